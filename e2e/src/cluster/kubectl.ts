// Runs the pinned kubectl against a kubeconfig; stdin for manifests, stdout back, stderr in the error.
import { spawn } from 'node:child_process';

export interface KubectlOptions {
  input?: string;
}

export function runKubectl(kubectl: string, kubeconfig: string, args: string[], opts: KubectlOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(kubectl, ['--kubeconfig', kubeconfig, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      // args may name a token file but never hold a credential, so they are safe to show
      else reject(new Error(`kubectl ${args.join(' ')} exited ${code}: ${Buffer.concat(err).toString('utf8').trim()}`));
    });
    child.stdin.end(opts.input ?? '');
  });
}
