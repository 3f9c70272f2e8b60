/** A bad configuration value; the message starts with the key path (`projects[0].tagTTL: …`). */
export class ConfigError extends Error {
  readonly path: string;
  constructor(path: string, problem: string) {
    super(path ? `${path}: ${problem}` : problem);
    this.name = 'ConfigError';
    this.path = path;
  }
}
