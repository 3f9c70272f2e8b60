// Temp dirs under the OS temp dir, short (containerd's socket path must stay under 108 bytes) and tracked.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trackDir } from './cleanup.ts';

export interface TempDir {
  readonly path: string;
  remove(): Promise<void>;
}

/** Creates `$TMPDIR/<prefix>XXXXXX`; removed by `remove()` or, at the latest, when the test run ends. */
export async function tempDir(prefix: string): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), prefix.endsWith('-') ? prefix : `${prefix}-`));
  return { path, remove: trackDir(path) };
}
