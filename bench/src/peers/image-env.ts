// The environment the proxy image gives the proxy (the last stage's ENV lines of proxy/Dockerfile), so that bench/
// and the soak measure the process as it runs in production — its allocator settings included — from one source.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dockerfile = fileURLToPath(new URL('../../../proxy/Dockerfile', import.meta.url));

/** KEY=VALUE pairs of the ENV lines after the last FROM (the runtime stage). */
export function imageEnv(text: string = readFileSync(dockerfile, 'utf8')): Record<string, string> {
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  const runtime = lines.slice(lines.findLastIndex((l) => /^FROM\s/i.test(l)));
  const env: Record<string, string> = {};
  for (const line of runtime) {
    const m = /^ENV\s+(.*)$/i.exec(line.trim());
    if (!m) continue;
    for (const pair of m[1]!.split(/\s+/)) {
      const eq = pair.indexOf('=');
      if (eq > 0) env[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  return env;
}
