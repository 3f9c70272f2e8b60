// A file of random bytes: a layer made of it cannot be compressed or deduplicated, so its size on the wire is real.
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export async function writeRandomFile(path: string, size: number): Promise<void> {
  const out = createWriteStream(path);
  const chunk = 1 << 20;
  for (let written = 0; written < size; written += chunk) {
    if (!out.write(randomBytes(Math.min(chunk, size - written)))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
