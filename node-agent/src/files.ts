// The file operations the agent performs on a node: atomic writes (a half-written hosts.toml is logged and
// ignored by containerd, so the mirror would silently vanish), one-time backups of what it replaces, restores.
// A file the agent rewrites keeps its mode and owner: a 0600 registries.yaml holds registry passwords and must
// not come back world-readable. Backups hold the same secrets, so they are 0600 in a 0700 state directory.
import { createHash } from 'node:crypto';
import { chmod, chown, mkdir, readFile, rename, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
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

export interface WriteOptions {
  /** The mode of a file that does not exist yet; an existing file keeps its own. Default 0644. */
  newMode?: number;
  /** This mode whatever the file had (the agent's own state files). */
  mode?: number;
}

/** The mode for files and folders that hold what the agent replaced (credentials included). */
export const PRIVATE_FILE = 0o600;
export const PRIVATE_DIR = 0o700;

/**
 * Writes through a temp file in the same directory and a rename, so readers see the old or the new file. The
 * temp file is created with the final mode (never wider: the umask only takes bits away) and the replaced file's
 * owner, so there is no moment at which the content is readable by more users than before.
 */
export async function writeAtomic(path: string, text: string, opts: WriteOptions = {}): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const before = await stat(path).catch(() => undefined);
  const mode = opts.mode ?? (before ? before.mode & 0o7777 : (opts.newMode ?? 0o644));
  const tmp = join(dirname(path), `.${basename(path)}.berth-${process.pid}.tmp`);
  await writeFile(tmp, text, { mode });
  try {
    await chmod(tmp, mode);
    if (before && opts.mode === undefined && (before.uid !== process.getuid?.() || before.gid !== process.getgid?.())) {
      await chown(tmp, before.uid, before.gid);
    }
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

/** Copies `path` into the backup folder (0600, in a 0700 folder) under a name derived from its node path. */
export async function backUp(path: string, nodePath: string, backupDir: string): Promise<string> {
  await mkdir(backupDir, { recursive: true, mode: PRIVATE_DIR });
  await chmod(backupDir, PRIVATE_DIR);
  const target = backupPath(nodePath, backupDir);
  await writeFile(target, await readFile(path), { mode: PRIVATE_FILE });
  await chmod(target, PRIVATE_FILE);
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
  write(path: string, text: string, opts?: WriteOptions): Promise<void>;
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
