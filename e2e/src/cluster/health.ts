// Health probes of the control plane's endpoints, each a single request that never throws.
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface ClientTls {
  ca: string;
  cert: string;
  key: string;
}

function get(url: string, tls?: ClientTls): Promise<{ status: number; body: string } | undefined> {
  return new Promise((resolve) => {
    const options = tls
      ? { ca: readFileSync(tls.ca), cert: readFileSync(tls.cert), key: readFileSync(tls.key), timeout: 5_000 }
      : { timeout: 5_000 };
    const req = (url.startsWith('https:') ? httpsRequest : httpRequest)(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

/** GET `path` from the apiserver as the client of `tls`; the parsed JSON body on 200, else undefined. */
export async function apiGet(server: string, tls: ClientTls, path: string): Promise<unknown> {
  const res = await get(`${server}${path}`, tls);
  if (res?.status !== 200) return undefined;
  try {
    return JSON.parse(res.body) as unknown;
  } catch {
    return undefined;
  }
}

/** True when the apiserver answers /readyz with 200 to a client that trusts `tls.ca` and presents `tls.cert`. */
export async function apiserverReady(server: string, tls: ClientTls): Promise<boolean> {
  return (await get(`${server}/readyz`, tls))?.status === 200;
}

/** True when etcd's /health reports healthy. */
export async function etcdHealthy(clientUrl: string): Promise<boolean> {
  const res = await get(`${clientUrl}/health`);
  if (res?.status !== 200) return false;
  try {
    return (JSON.parse(res.body) as { health?: unknown }).health === 'true';
  } catch {
    return false;
  }
}

/** True when a component's secure port answers /healthz (self-signed serving cert: not verified, loopback only). */
export async function componentHealthy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpsRequest(`https://127.0.0.1:${port}/healthz`, { rejectUnauthorized: false, timeout: 5_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}
