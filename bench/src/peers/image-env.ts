// The environment the proxy image gives the proxy (the last stage's ENV lines of proxy/Dockerfile) and the flags its
// ENTRYPOINT gives node, so that bench/ and the soak measure the process as it runs in production — its allocator and
// heap settings included — from one source.
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dockerfile = fileURLToPath(new URL('../../../proxy/Dockerfile', import.meta.url));

/** Where this host keeps the shared libraries the image ships in /app/lib (Debian's, as the image's are). */
const HOST_LIB_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib'];

/**
 * KEY=VALUE pairs of the ENV lines after the last FROM (the runtime stage). A library the image preloads from
 * /app/lib (jemalloc) is this host's copy of it: the proxy here runs with the allocator it has in production.
 */
export function imageEnv(text: string = readFileSync(dockerfile, 'utf8'), libDirs: readonly string[] = HOST_LIB_DIRS): Record<string, string> {
  const env = runtimeEnv(text);
  if (env.LD_PRELOAD) env.LD_PRELOAD = env.LD_PRELOAD.split(/[: ]/).filter(Boolean).map((lib) => hostLibrary(lib, libDirs)).join(':');
  return env;
}

function hostLibrary(path: string, libDirs: readonly string[]): string {
  if (!path.startsWith('/app/lib/')) return path;
  const found = libDirs.map((dir) => join(dir, basename(path))).find((candidate) => existsSync(candidate));
  if (!found) throw new Error(`the proxy image preloads ${basename(path)}, which this host lacks (./dev setup installs Debian's libjemalloc2)`);
  return found;
}

/** The runtime stage's lines, continuation lines joined. */
function runtimeLines(text: string): string[] {
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  return lines.slice(lines.findLastIndex((l) => /^FROM\s/i.test(l)));
}

/**
 * The flags the image's ENTRYPOINT gives node before the proxy's script (`["node", "--flag", "/app/bin/…"]`): the V8
 * flags NODE_OPTIONS refuses.
 */
export function imageNodeArgs(text: string = readFileSync(dockerfile, 'utf8')): string[] {
  const line = runtimeLines(text).findLast((l) => /^ENTRYPOINT\s/i.test(l.trim()));
  if (!line) return [];
  const [program, ...rest] = JSON.parse(line.trim().replace(/^ENTRYPOINT\s+/i, '')) as string[];
  if (program !== 'node') return [];
  const script = rest.findIndex((arg) => !arg.startsWith('--'));
  return script === -1 ? rest : rest.slice(0, script);
}

function runtimeEnv(text: string): Record<string, string> {
  const runtime = runtimeLines(text);
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
