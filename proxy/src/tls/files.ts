// Reads the certificate and key files as one pair. A mounted Secret is swapped by the kubelet all at once (a new
// directory, then the `..data` symlink renamed over the old one), but two reads can still straddle the swap: the
// pair is read until two rounds agree, so an old certificate is never checked against a new key.
import { readFile } from 'node:fs/promises';
import { parseCertificatePair, TlsCertificateError, type CertificatePair } from '@berth/contracts/tls';

const ROUNDS = 3;

export async function readCertificatePair(certFile: string, keyFile: string): Promise<CertificatePair> {
  let previous = await readBoth(certFile, keyFile);
  for (let round = 1; round < ROUNDS; round++) {
    const next = await readBoth(certFile, keyFile);
    if (next.cert.equals(previous.cert) && next.key.equals(previous.key)) break;
    previous = next;
  }
  return parseCertificatePair(previous.cert, previous.key, { cert: certFile, key: keyFile });
}

async function readBoth(certFile: string, keyFile: string): Promise<{ cert: Buffer; key: Buffer }> {
  const [cert, key] = await Promise.all([readOne(certFile), readOne(keyFile)]);
  return { cert, key };
}

async function readOne(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new TlsCertificateError('TLS_FILE_UNREADABLE', `${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
