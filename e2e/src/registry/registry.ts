// An upstream registry for tests: Debian's docker-registry (distribution 2.8) on a free loopback port with its own
// config (the package's default config turns on htpasswd auth at a fixed path), filesystem storage in a temp dir,
// optional delete, htpasswd or Bearer-token auth, or distribution's own pull-through mode (the peer to compare with).
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startDaemon, logTail } from '../testbed/daemon.ts';
import { freePort } from '../testbed/ports.ts';
import { tempDir } from '../testbed/temp.ts';
import { waitFor } from '../testbed/wait.ts';
import { parseAccessLog, type AccessLogEntry } from './access-log.ts';
import { htpasswdLine } from './htpasswd.ts';
import { startTokenService, TOKEN_ISSUER, TOKEN_SERVICE, type TokenService } from './token-service.ts';

export interface Credentials {
  username: string;
  password: string;
}

export interface RegistryOptions {
  /** Lets tests DELETE manifests and blobs (storage.delete.enabled). */
  deleteEnabled?: boolean;
  /** Basic auth against a bcrypt htpasswd file; with tokenAuth, the one user the token service accepts. */
  htpasswd?: Credentials;
  /** Bearer token auth through a token service the test bed runs (credentials: `htpasswd`, or generated). */
  tokenAuth?: boolean;
  /** distribution's pull-through cache mode, mirroring this URL. */
  proxyRemoteUrl?: string;
  /**
   * The address to listen on; default 127.0.0.1. Pods of the real node cannot reach the host's loopback: they use
   * the node's pod-bridge address (Cluster.hostAddress), which stays inside this machine.
   */
  address?: string;
  /** Listen on this port (default: a free one): a registry restarted on its old port, as an upstream coming back. */
  port?: number;
  /**
   * Filesystem storage root owned by the caller: kept on stop, so a registry started again on it serves the same
   * content (default: inside the registry's own temp dir, removed on stop).
   */
  dataDir?: string;
  /**
   * Storage in a bucket of an S3-compatible server instead of the filesystem. Blob GETs are then answered with a
   * redirect to a presigned URL of that server — another origin, as Docker Hub's CDN and every S3-backed registry do.
   * `dataDir` and `blobDataPath` then name nothing.
   */
  s3?: { endpoint: string; region: string; bucket: string; accessKeyId: string; secretAccessKey: string };
}

export interface Registry {
  /** http://ADDRESS:PORT (ADDRESS: 127.0.0.1 unless `address` was given) */
  readonly url: string;
  /** ADDRESS:PORT, for image references */
  readonly host: string;
  /** Filesystem storage root: blobs live under docker/registry/v2/blobs/sha256/<2 hex>/<hex>/data. */
  readonly dataDir: string;
  /** Set when the registry requires them (htpasswd or token auth). */
  readonly credentials?: Credentials;
  /** Set with tokenAuth. */
  readonly tokenService?: TokenService;
  /** Every request served so far, in order. */
  accessLog(): Promise<AccessLogEntry[]>;
  /** Waits (bounded) until the access log satisfies `done`: the registry logs a request just after answering it. */
  waitForAccessLog(done: (entries: AccessLogEntry[]) => boolean, timeoutMs?: number): Promise<AccessLogEntry[]>;
  /** Path of the data file of a blob in the filesystem storage (to corrupt it). */
  blobDataPath(digest: string): string;
  stop(): Promise<void>;
}

export async function startRegistry(opts: RegistryOptions = {}): Promise<Registry> {
  const dir = await tempDir('berth-registry');
  const port = opts.port ?? (await freePort());
  const address = opts.address ?? '127.0.0.1';
  const dataDir = opts.dataDir ?? join(dir.path, 'data');
  const configFile = join(dir.path, 'config.yml');

  const config: Record<string, unknown> = {
    version: 0.1,
    // info: every request is logged as "response completed" with method, URI and status: the access log.
    log: { level: 'info', formatter: 'json', accesslog: { disabled: true } },
    storage: {
      ...(opts.s3
        ? {
            s3: {
              accesskey: opts.s3.accessKeyId, secretkey: opts.s3.secretAccessKey, region: opts.s3.region,
              regionendpoint: opts.s3.endpoint, bucket: opts.s3.bucket, secure: false, v4auth: true,
            },
          }
        : { filesystem: { rootdirectory: dataDir } }),
      delete: { enabled: opts.deleteEnabled ?? false },
      maintenance: { uploadpurging: { enabled: false } },
    },
    http: { addr: `${address}:${port}`, secret: randomBytes(16).toString('hex') },
  };

  let credentials: Credentials | undefined = opts.htpasswd;
  let tokenService: TokenService | undefined;
  if (opts.tokenAuth) {
    credentials ??= { username: 'berth', password: randomBytes(12).toString('hex') };
    tokenService = await startTokenService({ dir: dir.path, port: await freePort(), ...credentials });
    config.auth = {
      token: { realm: tokenService.realm, service: TOKEN_SERVICE, issuer: TOKEN_ISSUER, rootcertbundle: tokenService.certFile },
    };
  } else if (opts.htpasswd) {
    const htpasswdFile = join(dir.path, 'htpasswd');
    await writeFile(htpasswdFile, htpasswdLine(opts.htpasswd.username, opts.htpasswd.password), { mode: 0o600 });
    config.auth = { htpasswd: { realm: 'berth-test', path: htpasswdFile } };
  }
  if (opts.proxyRemoteUrl) config.proxy = { remoteurl: opts.proxyRemoteUrl };
  await writeFile(configFile, stringify(config));

  const daemon = startDaemon({
    name: `docker-registry :${port}`,
    command: 'docker-registry',
    args: ['serve', configFile],
    logFile: join(dir.path, 'registry.log'),
    // The AWS SDK in the registry refuses to start when AWS_CA_BUNDLE names a bundle it cannot load into its HTTP
    // client ("HTTPClient's transport unsupported type"); the test storage is plain HTTP and needs none.
    ...(opts.s3 ? { env: Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'AWS_CA_BUNDLE')) } : {}),
  });
  const url = `http://${address}:${port}`;
  const stop = async () => {
    await daemon.stop();
    await tokenService?.stop();
    await dir.remove();
  };
  try {
    // 200 when open, 401 with auth: either way it serves.
    await waitFor(async () => [200, 401].includes((await fetch(`${url}/v2/`)).status), {
      what: `docker-registry on ${url}`,
      abort: daemon.exitReason,
    });
  } catch (err) {
    const tail = await logTail(daemon);
    await stop();
    throw new Error(`${(err as Error).message}\n${tail}`);
  }

  const accessLog = async () => parseAccessLog(await daemon.log());
  return {
    url,
    host: `${address}:${port}`,
    dataDir,
    ...(credentials ? { credentials } : {}),
    ...(tokenService ? { tokenService } : {}),
    accessLog,
    waitForAccessLog: (done, timeoutMs = 5_000) =>
      waitFor(async () => {
        const entries = await accessLog();
        return done(entries) ? entries : undefined;
      }, { what: 'the registry access log', timeoutMs }),
    blobDataPath: (digest) => {
      const [algorithm, hex] = digest.split(':');
      if (!algorithm || !hex || !/^[a-f0-9]+$/.test(hex)) throw new Error(`not a digest: ${digest}`);
      return join(dataDir, 'docker/registry/v2/blobs', algorithm, hex.slice(0, 2), hex, 'data');
    },
    stop,
  };
}
