// A directory laid out and updated the way the kubelet projects a Secret volume (its AtomicWriter): the files live
// in a timestamped directory, `..data` points at it, and each key is a symlink through `..data`. An update writes a
// new timestamped directory, points `..data_tmp` at it and renames that over `..data` — one atomic step — then
// removes the old directory. Tests use it to rotate a certificate exactly as a mounted Secret rotates.
import { mkdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface SecretVolume {
  readonly dir: string;
  /** Replaces the whole content with `files` (key → bytes) in one swap. */
  update(files: Record<string, Buffer | string>): Promise<void>;
}

let generation = 0;

export async function secretVolume(dir: string, files: Record<string, Buffer | string>): Promise<SecretVolume> {
  await mkdir(dir, { recursive: true });
  const volume: SecretVolume = {
    dir,
    update: async (next) => {
      const stamp = `..${new Date().toISOString().replace(/[-:.]/g, '_')}.${process.pid}.${++generation}`;
      await mkdir(join(dir, stamp), { mode: 0o755 });
      for (const [key, bytes] of Object.entries(next)) await writeFile(join(dir, stamp, key), bytes, { mode: 0o644 });
      const old = await readlink(join(dir, '..data')).catch(() => undefined);
      await symlink(stamp, join(dir, '..data_tmp'));
      await rename(join(dir, '..data_tmp'), join(dir, '..data'));
      for (const key of Object.keys(next)) {
        await symlink(join('..data', key), join(dir, key)).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'EEXIST') throw err;
        });
      }
      if (old) await rm(join(dir, old), { recursive: true, force: true });
    },
  };
  await volume.update(files);
  return volume;
}
