// The machine check for the manifest loads: node:http on one thread answering every GET with one manifest's bytes and
// the headers a registry sends with it, and nothing else. What Node itself does per request on this machine today,
// which is what Berth's manifest figure is read against when the machine's speed moves between runs.
// Run by node directly (its type stripping): `node bare-node-server.ts PORT MEDIA_TYPE DIGEST BODY_FILE`.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const [port, mediaType, digest, bodyFile] = process.argv.slice(2);
if (!port || !mediaType || !digest || !bodyFile) throw new Error('usage: bare-node-server.ts PORT MEDIA_TYPE DIGEST BODY_FILE');
const body = readFileSync(bodyFile);
const headers = {
  'content-type': mediaType,
  'content-length': String(body.byteLength),
  'docker-content-digest': digest,
  'docker-distribution-api-version': 'registry/2.0',
};
createServer((_req, res) => {
  res.writeHead(200, headers);
  res.end(body);
}).listen(Number(port), '127.0.0.1');
