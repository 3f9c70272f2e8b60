// The S3 client of a validated `storage.s3` config. The keys are read from their files (a mounted Secret) and read
// again every minute, so a rotated Secret takes effect without a restart; neither they nor the files' contents
// ever appear in an error.
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { readFile } from 'node:fs/promises';
import { rootCertificates } from 'node:tls';
import { S3Client } from '@aws-sdk/client-s3';
import type { S3StorageConfig } from '@berth/contracts/proxy-config';
import { ConfigError } from '@berth/contracts/proxy-config';

/** How long read keys are used before the files are read again. */
const CREDENTIALS_TTL_MS = 60_000;
/** Sockets per endpoint: the fills and warm reads of one busy replica, with room. */
const MAX_SOCKETS = 128;

async function readKeyFile(path: string, key: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`storage.s3.${key}`, `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
  const value = text.trim();
  if (value === '') throw new ConfigError(`storage.s3.${key}`, `${path} is empty`);
  return value;
}

/** Builds the client; rejects with ConfigError when a key or CA file cannot be read (the start then stops). */
export async function createS3Client(config: S3StorageConfig): Promise<S3Client> {
  const files = config.accessKeyIdFile && config.secretAccessKeyFile ? { id: config.accessKeyIdFile, secret: config.secretAccessKeyFile } : undefined;
  const readKeys = async () => ({
    accessKeyId: await readKeyFile(files!.id, 'accessKeyIdFile'),
    secretAccessKey: await readKeyFile(files!.secret, 'secretAccessKeyFile'),
    expiration: new Date(Date.now() + CREDENTIALS_TTL_MS),
  });
  // Read once now: a missing or empty file stops the start with its reason instead of failing every pull later.
  if (files) await readKeys();
  let ca: string | undefined;
  if (config.caFile) {
    try {
      ca = await readFile(config.caFile, 'utf8');
    } catch (err) {
      throw new ConfigError('storage.s3.caFile', `cannot read ${config.caFile}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
    }
  }
  return new S3Client({
    region: config.region ?? 'us-east-1',
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    forcePathStyle: config.forcePathStyle ?? false,
    ...(files ? { credentials: readKeys } : {}),
    // The proxy checks every byte against its digest itself; the SDK's own CRC checksums would add a trailer
    // encoding (aws-chunked) that several S3-compatible servers refuse.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: {
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: MAX_SOCKETS, ...(ca ? { ca: [...rootCertificates, ca] } : {}) }),
    },
  });
}
