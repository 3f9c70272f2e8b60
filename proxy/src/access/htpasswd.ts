// Client access for a project: anonymous, or Basic credentials checked against an htpasswd file
// (bcrypt `$2y$`/`$2a$`/`$2b$` and `{SHA}` entries). The file is re-read when it changes on disk.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import bcrypt from 'bcryptjs';

export class Htpasswd {
  private entries = new Map<string, string>();
  private mtimeMs = -1;

  constructor(private readonly file: string) {
    this.reload();
  }

  private reload(): void {
    const mtimeMs = statSync(this.file).mtimeMs;
    if (mtimeMs === this.mtimeMs) return;
    this.mtimeMs = mtimeMs;
    this.entries = new Map();
    for (const line of readFileSync(this.file, 'utf8').split('\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) this.entries.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
    }
  }

  /** Checks an Authorization header value; false for anything but valid Basic credentials. */
  verify(authorization: string | undefined): boolean {
    if (!authorization?.toLowerCase().startsWith('basic ')) return false;
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) return false;
    try {
      this.reload();
    } catch {
      return false;
    }
    const hash = this.entries.get(decoded.slice(0, colon));
    const password = decoded.slice(colon + 1);
    if (!hash) return false;
    if (/^\$2[aby]\$/.test(hash)) return bcrypt.compareSync(password, hash.replace(/^\$2y\$/, '$2b$'));
    if (hash.startsWith('{SHA}')) {
      const actual = Buffer.from(createHash('sha1').update(password).digest('base64'));
      const expected = Buffer.from(hash.slice(5));
      return actual.length === expected.length && timingSafeEqual(actual, expected);
    }
    return false;
  }
}
