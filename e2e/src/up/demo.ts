// The demo upstream's config, as plain text.

/** docker-registry's config: listening on `address` (HOST:PORT), filesystem storage in `dataDir`. */
export function registryConfig(address: string, dataDir: string): string {
  return [
    'version: 0.1',
    'log: { level: warn }',
    `storage: { filesystem: { rootdirectory: ${JSON.stringify(dataDir)} } }`,
    `http: { addr: ${address} }`,
    '',
  ].join('\n');
}
