// berth-proxy: `serve` (the cache) and `node-agent` (writes containerd/CRI-O mirror config on a node).
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { ConfigError, parseProxyConfig, validateProxyConfig, type ProxyConfig } from '@berth/contracts/proxy-config';
import { startProxy } from './app.ts';
import { proxyVersion } from './observe/build-info.ts';
import { TlsCertificateError } from '@berth/contracts/tls';
import { closeLogger } from './observe/log.ts';

const USAGE = `usage:
  berth-proxy serve --config FILE
  berth-proxy serve --listen HOST:PORT --storage DIR --upstream REGISTRY=URL [--upstream ...] [--log-level LEVEL]
                    [--tls-listen HOST:PORT --tls-cert FILE --tls-key FILE]
  berth-proxy node-agent --config FILE --host-root DIR [--once | --check] (berth-proxy node-agent --help for all flags)
  berth-proxy --version

serve: the pull-through cache. Its configuration comes from one YAML file (what the operator renders; see
contracts/src/proxy-config/types.ts for every field) or, for a quick start, from flags: the first --upstream is the
default project, e.g. --upstream docker.io=https://registry-1.docker.io. --config cannot be combined with the other
flags. With the three --tls flags it also serves HTTPS on its own port (plain HTTP stays on --listen).
node-agent: writes the node's container runtime mirror configuration and reports what it did.`;

/** Flags that only make a config; with --config they would be silently ignored, so they are refused. */
const FLAG_CONFIG = ['listen', 'storage', 'upstream', 'log-level', 'tls-listen', 'tls-cert', 'tls-key'] as const;

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
      'tls-listen': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
    },
    strict: true,
  });
  if (values.config) {
    const mixed = FLAG_CONFIG.filter((f) => values[f] !== undefined);
    if (mixed.length > 0) throw new ConfigError('serve', `--config cannot be combined with ${mixed.map((f) => `--${f}`).join(', ')}: put those settings in the file`);
    let text: string;
    try {
      text = await readFile(values.config, 'utf8');
    } catch (err) {
      throw new ConfigError('--config', `cannot read ${values.config}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    return parseProxyConfig(text);
  }
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
    // All three or none: the validator names the one missing.
    ...(values['tls-listen'] || values['tls-cert'] || values['tls-key']
      ? { tls: { listen: values['tls-listen'], certFile: values['tls-cert'], keyFile: values['tls-key'] } }
      : {}),
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

/** Errors a person causes at start (a port in use, a storage path that is a file, a bucket that does not answer): a message, no stack trace. */
const START_ERRORS = new Set(['EADDRINUSE', 'EADDRNOTAVAIL', 'EACCES', 'EPERM', 'ENOENT', 'ENOTDIR', 'EEXIST', 'EROFS', 'ENOSPC', 'OBJECT_STORE_FAILED']);

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === 'version') {
    process.stdout.write(`berth-proxy ${proxyVersion()}\n`);
    return 0;
  }
  if (command === '--help' || command === '-h' || command === 'help' || (command === 'serve' && (rest.includes('--help') || rest.includes('-h')))) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    switch (command) {
      case 'serve':
        return await serve(rest);
      case 'node-agent': {
        // The node agent is its own package; the proxy image carries it so the DaemonSet needs no image of its own.
        const { runNodeAgent } = await import('@berth/node-agent');
        return await runNodeAgent(rest);
      }
      default:
        process.stderr.write(`${USAGE}\n`);
        return 2;
    }
  } catch (err) {
    if (err instanceof TlsCertificateError) {
      process.stderr.write(`berth-proxy: tls: ${err.message} [${err.code}]\n`);
      return 2;
    }
    if (err instanceof ConfigError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`berth-proxy: ${(err as Error).message}\n`);
      return 2;
    }
    const code = (err as NodeJS.ErrnoException).code;
    if (code && START_ERRORS.has(code)) {
      process.stderr.write(`berth-proxy: cannot start: ${(err as Error).message}\n`);
      return 1;
    }
    process.stderr.write(`berth-proxy: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}

// Run when executed directly (`node --import tsx proxy/src/cli.ts serve …`), not when imported.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
