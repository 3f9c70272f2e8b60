// What a test may say about a proxy's store and process from outside: the files left in its temp folders, whether
// a digest is stored (and verified: its bytes hash to its name), and the process's open file descriptors.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { storePaths } from '../../src/store/paths.ts';
import { isDigest } from '../../src/oci/digest.ts';

/** The store layout under `storage`; the replica name does not matter here (every replica's temp folder is read). */
const layout = (storage: string) => storePaths(storage, 'test');

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** Files in the temp folders of every replica: downloads in progress, or left behind. */
export function tempFiles(storage: string): Promise<string[]> {
  return filesUnder(layout(storage).tmpRoot);
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return `sha256:${hash.digest('hex')}`;
}

/** 'yes' when the digest is stored, 'no' when not; throws when the stored bytes do not match it. */
export async function storedState(storage: string, digest: string): Promise<'yes' | 'no'> {
  if (!isDigest(digest)) throw new Error(`not a digest: ${digest}`);
  const path = layout(storage).blob(digest);
  const actual = await sha256File(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (actual === undefined) return 'no';
  if (actual !== digest) throw new Error(`the store holds ${digest} with content ${actual}`);
  return 'yes';
}

/** Checks every stored file against the digest its path names; resolves with how many there are. */
export async function verifyStore(storage: string): Promise<number> {
  const files = await filesUnder(layout(storage).blobsDir);
  for (const file of files) {
    const digest = `${basename(dirname(dirname(file)))}:${basename(file)}`;
    const actual = await sha256File(file);
    if (actual !== digest) throw new Error(`stored file ${file} holds ${actual}`);
  }
  return files.length;
}

/** The targets of a process's open file descriptors (sockets, files, pipes), from /proc. */
export async function openFds(pid: number): Promise<string[]> {
  const dir = `/proc/${pid}/fd`;
  const fds = await readdir(dir);
  const targets = await Promise.all(fds.map((fd) => readlink(join(dir, fd)).catch(() => 'closed meanwhile')));
  return targets.filter((t) => t !== 'closed meanwhile');
}
