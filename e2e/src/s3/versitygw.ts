// A real S3-compatible server for tests: versitygw (built by e2e/toolchain/build.sh s3) on a free loopback port,
// its posix backend in a temp dir (each subdirectory a bucket), one root account with random keys written to files
// the way a mounted Secret holds them. Stopped by the test (or, at the latest, by the test bed's cleanup).
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CreateBucketCommand, ListMultipartUploadsCommand, ListObjectsV2Command, S3Client,
} from '@aws-sdk/client-s3';
import { logTail, startDaemon } from '../testbed/daemon.ts';
import { freePort } from '../testbed/ports.ts';
import { tempDir } from '../testbed/temp.ts';
import { toolchainBinDir, toolchainVersions } from '../testbed/toolchain.ts';
import { run } from '../testbed/run.ts';
import { waitFor } from '../testbed/wait.ts';

export interface S3Server {
  /** http://127.0.0.1:PORT */
  readonly endpoint: string;
  readonly region: string;
  /** Files holding the root account's keys (the proxy's accessKeyIdFile and secretAccessKeyFile). */
  readonly accessKeyIdFile: string;
  readonly secretAccessKeyFile: string;
  /** The posix backend's root: `<dataDir>/<bucket>/<key>` are the objects. */
  readonly dataDir: string;
  /** A client with the root account's keys, path-style. */
  readonly client: S3Client;
  createBucket(name: string): Promise<void>;
  /** Every key under `prefix` (paged through), sorted. */
  listKeys(bucket: string, prefix?: string): Promise<string[]>;
  /** Multipart uploads in progress under `prefix`: their keys. */
  listUploads(bucket: string, prefix?: string): Promise<string[]>;
  /** With `users`: a new account of the admin role (every bucket), to rotate keys to; its keys. */
  createUser(): Promise<S3Keys>;
  /** With `users`: removes the account; requests signed with its keys are refused from then on. */
  deleteUser(accessKeyId: string): Promise<void>;
  /** With `users`: who sent each request so far (the S3 access log), oldest first. */
  requests(): Promise<S3Request[]>;
  stop(): Promise<void>;
}

export interface S3Keys {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface S3Request {
  remoteIp: string;
  /** The access key id the request was signed with. */
  requester: string;
  operation: string;
  status: number;
}

export interface VersitygwOptions {
  /** The address to bind; default 127.0.0.1 (pods on the real node reach the cluster's hostAddress). */
  address?: string;
  /** Accounts besides root (the gateway's internal IAM) and the access log that names each request's key. */
  users?: boolean;
}

/** The versitygw binary the toolchain built; throws how to build it when it is missing. */
export function versitygwBinary(): string {
  const path = join(toolchainBinDir(), `versitygw-${toolchainVersions().VERSITYGW_VERSION}`, 'versitygw');
  if (!existsSync(path)) throw new Error(`no versitygw at ${path}: run e2e/toolchain/build.sh s3 (or ./dev setup)`);
  return path;
}

export async function startVersitygw(opts: VersitygwOptions = {}): Promise<S3Server> {
  const binary = versitygwBinary();
  const address = opts.address ?? '127.0.0.1';
  const dir = await tempDir('berth-s3');
  const port = await freePort();
  const dataDir = join(dir.path, 'data');
  await mkdir(dataDir);
  const accessKeyId = `berth${randomBytes(6).toString('hex')}`;
  const secretAccessKey = randomBytes(24).toString('base64url');
  const accessKeyIdFile = join(dir.path, 'access-key-id');
  const secretAccessKeyFile = join(dir.path, 'secret-access-key');
  await writeFile(accessKeyIdFile, `${accessKeyId}\n`, { mode: 0o600 });
  await writeFile(secretAccessKeyFile, `${secretAccessKey}\n`, { mode: 0o600 });
  const daemon = startDaemon({
    name: `versitygw :${port}`,
    command: binary,
    args: [
      '--port', `${address}:${port}`, '--quiet',
      ...(opts.users ? ['--iam-dir', join(dir.path, 'iam'), '--access-log', join(dir.path, 'access.log')] : []),
      'posix', dataDir,
    ],
    // The keys go by environment, not arguments: arguments show in `ps`.
    env: { ...process.env, ROOT_ACCESS_KEY: accessKeyId, ROOT_SECRET_KEY: secretAccessKey },
    logFile: join(dir.path, 'versitygw.log'),
  });
  if (opts.users) await mkdir(join(dir.path, 'iam'));
  const endpoint = `http://${address}:${port}`;
  const region = 'us-east-1';
  const client = new S3Client({
    endpoint, region, forcePathStyle: true, credentials: { accessKeyId, secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const stop = async () => {
    client.destroy();
    await daemon.stop();
    await dir.remove();
  };
  try {
    // Any HTTP answer (403 to an unsigned request) means it serves.
    await waitFor(async () => (await fetch(`${endpoint}/`).then((r) => r.status, () => 0)) > 0, { what: `versitygw on ${endpoint}`, abort: daemon.exitReason });
  } catch (err) {
    const tail = await logTail(daemon);
    await stop();
    throw new Error(`${(err as Error).message}\n${tail}`);
  }
  return {
    endpoint, region, accessKeyIdFile, secretAccessKeyFile, dataDir, client,
    async createBucket(name) {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    async listKeys(bucket, prefix = '') {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
        keys.push(...(page.Contents ?? []).map((o) => o.Key!));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return keys.sort();
    },
    async listUploads(bucket, prefix = '') {
      const page = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }));
      return (page.Uploads ?? []).map((u) => u.Key!).sort();
    },
    async createUser() {
      const keys = { accessKeyId: `berth${randomBytes(6).toString('hex')}`, secretAccessKey: randomBytes(24).toString('base64url') };
      await admin(['create-user', '--access', keys.accessKeyId, '--secret', keys.secretAccessKey, '--role', 'admin'], [keys.secretAccessKey]);
      return keys;
    },
    async deleteUser(id) {
      await admin(['delete-user', '--access', id]);
    },
    async requests() {
      const text = await readFile(join(dir.path, 'access.log'), 'utf8').catch(() => '');
      return text.split('\n').flatMap((line) => {
        // owner bucket [time] remote-ip requester request-id operation key uri status …
        const m = /^\S+ \S+ \[[^\]]*\] (\S+) (\S+) \S+ (\S+) \S+ \S+ (\d{3})/.exec(line);
        return m ? [{ remoteIp: m[1]!, requester: m[2]!, operation: m[3]!, status: Number(m[4]) }] : [];
      });
    },
    stop,
  };

  /** `versitygw admin …` as root (its keys by environment); `secrets` are masked in an error. */
  async function admin(args: string[], secrets: string[] = []): Promise<void> {
    await run(binary, ['admin', '--endpoint-url', endpoint, ...args], {
      env: { ...process.env, ADMIN_ACCESS_KEY: accessKeyId, ADMIN_SECRET_KEY: secretAccessKey }, secrets: [secretAccessKey, ...secrets],
    });
  }
}
