// A certificate authority for one test: its own CA and the server certificates it signs (openssl, through the
// control plane PKI's helpers), in a temp dir removed with `dispose`.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { issueCa, issueLeaf } from '../cluster/pki.ts';
import { tempDir, type TempDir } from '../testbed/temp.ts';

export interface IssuedCertificate {
  /** PEM file paths. */
  cert: string;
  key: string;
}

export interface TestCa {
  /** The CA certificate (PEM file): what a client is told to trust. */
  readonly caCert: string;
  readonly dir: TempDir;
  /** A server certificate for `altNames` (e.g. IP:127.0.0.1, DNS:localhost) signed by this CA. */
  issue(name: string, altNames: string[]): Promise<IssuedCertificate>;
  /** The bytes of a file this CA wrote. */
  read(file: string): Promise<Buffer>;
  dispose(): Promise<void>;
}

export async function createTestCa(commonName = 'berth-test-ca'): Promise<TestCa> {
  const dir = await tempDir('berth-ca');
  const ca = { cert: join(dir.path, 'ca.crt'), key: join(dir.path, 'ca.key') };
  try {
    await issueCa(ca, commonName, 2);
  } catch (err) {
    await dir.remove();
    throw err;
  }
  return {
    caCert: ca.cert,
    dir,
    issue: async (name, altNames) => {
      const out = { cert: join(dir.path, `${name}.crt`), key: join(dir.path, `${name}.key`) };
      await issueLeaf(ca, { name, commonName: name, usage: 'server', altNames }, out, 2);
      return out;
    },
    read: (file) => readFile(file),
    dispose: () => dir.remove(),
  };
}
