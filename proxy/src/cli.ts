// berth-proxy: `serve` (the cache) and `node-agent` (writes containerd/CRI-O mirror config on a node).
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { ConfigError, parseProxyConfig, validateProxyConfig, type ProxyConfig } from './config/index.ts';
import { startProxy } from './app.ts';
import { closeLogger } from './observe/log.ts';

const USAGE = `usage:
  berth-proxy serve --config FILE
  berth-proxy serve --listen HOST:PORT --storage DIR --upstream REGISTRY=URL [--upstream ...]
  berth-proxy node-agent --config FILE --host-root DIR [--once | --check]`;

/** The config for `serve`: from a file, or from flags (the first upstream is the default project). */
export async function serveConfig(argv: string[]): Promise<ProxyConfig> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      listen: { type: 'string' },
      storage: { type: 'string' },
      upstream: { type: 'string', multiple: true },
      'log-level': { type: 'string' },
    },
    strict: true,
  });
  if (values.config) return parseProxyConfig(await readFile(values.config, 'utf8'));
  const projects = (values.upstream ?? []).map((spec, i) => {
    const eq = spec.indexOf('=');
    if (eq <= 0) throw new ConfigError(`--upstream[${i}]`, `${JSON.stringify(spec)} must be REGISTRY=URL`);
    const registry = spec.slice(0, eq);
    return { name: registry.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || `project-${i}`, registry, upstream: spec.slice(eq + 1) };
  });
  return validateProxyConfig({
    listen: values.listen ?? '0.0.0.0:5000',
    storage: values.storage ? { directory: values.storage } : undefined,
    projects,
    ...(values['log-level'] ? { log: { level: values['log-level'] } } : {}),
  });
}

async function serve(argv: string[]): Promise<number> {
  const proxy = await startProxy(await serveConfig(argv));
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      proxy.logger.info('draining', { signal });
      void proxy.stop().then(resolve);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  proxy.logger.info('stopped');
  await closeLogger(proxy.logger);
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        return await serve(rest);
      case 'node-agent': {
        const { runNodeAgent } = await import('./nodeagent/cli.ts');
        return await runNodeAgent(rest);
      }
      default:
        process.stderr.write(`${USAGE}\n`);
        return 2;
    }
  } catch (err) {
    if (err instanceof ConfigError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`berth-proxy: ${(err as Error).message}\n`);
      return 2;
    }
    process.stderr.write(`berth-proxy: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}

// Run when executed directly (`node --import tsx proxy/src/cli.ts serve …`), not when imported.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
