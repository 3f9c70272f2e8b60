// Starts bare-node-server.ts with the bench's own node (Node 24, the proxy's version) on a free port.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SeededImage } from '../images/seeded-image.ts';
import { startLocalServer } from './local-server.ts';
import type { Peer } from './peer.ts';

const serverPath = fileURLToPath(new URL('./bare-node-server.ts', import.meta.url));

/** A bare Node server answering every GET with `image`'s manifest. */
export function startBareNode(image: SeededImage): Promise<Peer> {
  return startLocalServer('bare-node', async (dir, port) => {
    const body = join(dir, 'manifest.json');
    await writeFile(body, image.manifestBytes);
    return { command: process.execPath, args: [serverPath, String(port), image.manifestMediaType, image.manifestDigest, body], readyPath: '/' };
  });
}
