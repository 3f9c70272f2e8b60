// skopeo, the client that copies images between registries and directories. `--insecure-policy` because the
// test bed trusts what it built; TLS verification off because the registries here are plain HTTP on loopback,
// except a pull given a `certDir` (the proxy's HTTPS port), which verifies the certificate against that CA.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../testbed/run.ts';
import { tempDir, type TempDir } from '../testbed/temp.ts';
import type { TestImage } from './build-image.ts';

function secretsOf(creds: string | undefined): string[] {
  return creds ? [creds, creds.slice(creds.indexOf(':') + 1)] : [];
}

/** Runs `skopeo --insecure-policy ARGS`; stdout back. Pass `secrets` to keep passwords out of error messages. */
export function skopeo(args: string[], opts: { secrets?: string[] } = {}): Promise<string> {
  return run('skopeo', ['--insecure-policy', ...args], { secrets: opts.secrets ?? [] });
}

/** Pushes every platform of `image` to `dest` (e.g. 127.0.0.1:PORT/library/app:v1). `creds` is user:password. */
export async function pushImage(image: TestImage, dest: string, opts: { creds?: string } = {}): Promise<void> {
  const auth = opts.creds ? ['--dest-creds', opts.creds] : [];
  await skopeo(['copy', '--all', '--dest-tls-verify=false', ...auth, image.ref, `docker://${dest}`], { secrets: secretsOf(opts.creds) });
}

export interface PulledImage {
  /** A skopeo `dir:` copy: manifest.json plus one file per blob named by its hex digest. */
  readonly dir: TempDir;
  /** The sha256 digests of the blobs it holds. */
  blobDigests(): Promise<string[]>;
}

export interface PullOptions {
  creds?: string;
  /** Every platform of an index, not just the one of this machine. */
  all?: boolean;
  /** A CRI-O style registries.conf (mirrors), `skopeo --registries-conf`. */
  registriesConf?: string;
  /** Pull over verified TLS, trusting the CA certificates (`*.crt`) in this directory (`--src-cert-dir`). */
  certDir?: string;
}

/** Copies `source` (e.g. 127.0.0.1:PORT/library/app:v1 or …@sha256:…) into a temp dir; skopeo checks every digest. */
export async function pullImage(source: string, opts: PullOptions = {}): Promise<PulledImage> {
  const dir = await tempDir('berth-pull');
  const global = opts.registriesConf ? ['--registries-conf', opts.registriesConf] : [];
  const auth = opts.creds ? ['--src-creds', opts.creds] : [];
  const all = opts.all ? ['--all'] : [];
  try {
    const tls = opts.certDir ? ['--src-cert-dir', opts.certDir] : ['--src-tls-verify=false'];
    await skopeo([...global, 'copy', ...all, ...tls, ...auth, `docker://${source}`, `dir:${join(dir.path, 'image')}`], {
      secrets: secretsOf(opts.creds),
    });
  } catch (err) {
    await dir.remove();
    throw err;
  }
  return {
    dir,
    blobDigests: async () =>
      (await readdir(join(dir.path, 'image'))).filter((f) => /^[a-f0-9]{64}$/.test(f)).map((f) => `sha256:${f}`),
  };
}
