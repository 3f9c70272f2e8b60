// The file operations the agent performs on a node: atomic writes (a half-written hosts.toml is logged and
// ignored by containerd, so the mirror would silently vanish), one-time backups of what it replaces, restores.
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, rename, rmdir, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Writes through a temp file in the same directory and a rename, so readers see the old or the new file. */
export async function writeAtomic(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.berth-${process.pid}.tmp`);
  await writeFile(tmp, text, { mode: 0o644 });
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/** Where the backup of a node file goes: a name derived from its node path. */
export function backupPath(nodePath: string, backupDir: string): string {
  return join(backupDir, `${sha256(nodePath).slice(0, 12)}-${basename(nodePath)}`);
}

/** Copies `path` into the backup folder under a name derived from its node path; returns where. */
export async function backUp(path: string, nodePath: string, backupDir: string): Promise<string> {
  await mkdir(backupDir, { recursive: true });
  const target = backupPath(nodePath, backupDir);
  await copyFile(path, target);
  return target;
}

/** Puts a backup back in place atomically (copy then rename) and drops the backup. */
export async function restore(backup: string, path: string): Promise<void> {
  await writeAtomic(path, await readFile(backup, 'utf8'));
  await unlink(backup).catch(() => undefined);
}

export async function removeFile(path: string): Promise<void> {
  await unlink(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}

/** Removes a directory the agent made, only when nothing else lives in it. */
export async function removeDirIfEmpty(path: string): Promise<void> {
  await rmdir(path).catch(() => undefined);
}

/** Every change the agent makes to a node, so that `--check` can run the same code and change nothing. */
export interface NodeWrites {
  write(path: string, text: string): Promise<void>;
  backUp(path: string, nodePath: string, backupDir: string): Promise<string>;
  restore(backup: string, path: string): Promise<void>;
  remove(path: string): Promise<void>;
  removeDirIfEmpty(path: string): Promise<void>;
}

export const NODE_WRITES: NodeWrites = { write: writeAtomic, backUp, restore, remove: removeFile, removeDirIfEmpty };

/** --check: nothing is written; a backup is named where it would go, so the report reads the same. */
export const CHECK_ONLY: NodeWrites = {
  write: async () => undefined,
  backUp: async (_path, nodePath, backupDir) => backupPath(nodePath, backupDir),
  restore: async () => undefined,
  remove: async () => undefined,
  removeDirIfEmpty: async () => undefined,
};
