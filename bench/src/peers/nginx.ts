// nginx (Debian nginx-light) serving the same blob and manifest bytes as static files with sendfile: the practical
// ceiling for serving a file over HTTP on loopback. Its own config, pid and logs live in a temp dir.
import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { startLocalServer } from './local-server.ts';
import type { Peer } from './peer.ts';

/**
 * A file nginx serves at `urlPath` (e.g. /v2/library/app/blobs/sha256:…): small `content` written out, or the file
 * at `sourcePath` (a blob in the upstream registry's storage) linked in, or streamed over when it is on another
 * file system — a 1 GB layer never passes through a buffer.
 */
export type StaticFile = { urlPath: string; content: Uint8Array } | { urlPath: string; sourcePath: string };

async function placeFile(file: StaticFile, target: string): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  if ('content' in file) return writeFile(target, file.content);
  try {
    await link(file.sourcePath, target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await pipeline(createReadStream(file.sourcePath), createWriteStream(target));
  }
}

export interface StaticServerOptions {
  files: StaticFile[];
  /** Content-Type of paths under /manifests/ (the manifest's media type). */
  manifestMediaType: string;
}

export function startNginx(opts: StaticServerOptions): Promise<Peer> {
  return startLocalServer('nginx', async (dir, port) => {
    const www = join(dir, 'www');
    for (const file of opts.files) await placeFile(file, join(www, file.urlPath));
    const conf = join(dir, 'nginx.conf');
    await writeFile(conf, nginxConfig(dir, www, port, opts.manifestMediaType));
    return { command: 'nginx', args: ['-p', dir, '-c', conf], readyPath: '/healthz' };
  });
}

function nginxConfig(dir: string, www: string, port: number, manifestMediaType: string): string {
  // user root: the temp dir is 0700, and the workers must read it. Keep-alive without a request cap, as Node has.
  return `
daemon off;
user root;
worker_processes ${availableParallelism()};
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_requests 1000000;
  keepalive_timeout 120s;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    root ${www};
    location = /healthz { return 200 "ok\\n"; }
    location ~ /manifests/ { types { } default_type ${manifestMediaType}; }
    location /v2/ { types { } default_type application/octet-stream; }
  }
}
`;
}
