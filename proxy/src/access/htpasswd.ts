// Client access for a project: anonymous, or Basic credentials checked against an htpasswd file
// (bcrypt `$2y$`/`$2a$`/`$2b$` and `{SHA}` entries). The file is re-read when it changes on disk.
//
// A bcrypt check is tens of milliseconds of CPU on the one event loop, so checks never run synchronously (issue 13:
// a flood of wrong passwords held up every project): bcryptjs's async compare yields between slices, a Limiter
// bounds the checks running and waiting, and the outcome of recent checks is remembered by a keyed hash of
// (user, password, stored hash) — a repeated login costs one HMAC, and an edited entry is checked afresh.
// An unknown user costs the same bcrypt check as a wrong password (against a decoy hash of the file's cost), so the
// time of a refusal does not tell which user names exist. The file is stat'ed at most once per `recheckMs`, not on
// every request.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import bcrypt from 'bcryptjs';
import { Memo } from '../util/memo.ts';
import { parseBasic } from './basic.ts';
import { Limiter, type LimiterOptions } from './limiter.ts';

export interface HtpasswdOptions extends LimiterOptions {
  /** Outcomes of bcrypt checks remembered, for accepted and refused credentials each; default 1024. */
  remembered?: number;
  /** How long a read of the file is trusted before its mtime is checked again; default 1000 ms. */
  recheckMs?: number;
}

export class Htpasswd {
  private entries = new Map<string, string>();
  private mtimeMs = -1;
  private checkedAt = -Infinity;
  private readonly recheckMs: number;
  /** A hash no password matches (a random one), at the cost of the file's own bcrypt entries. */
  private decoy = '';
  private readonly limiter: Limiter;
  /** A per-process key: the remembered hashes are worthless outside this process. */
  private readonly key = randomBytes(32);
  /** Two memos, so refused credentials (a flood) never push out accepted ones. */
  private readonly accepted: Memo<true>;
  private readonly refused: Memo<true>;

  constructor(private readonly file: string, opts: HtpasswdOptions = {}) {
    this.limiter = new Limiter(opts);
    this.accepted = new Memo(opts.remembered ?? 1024);
    this.refused = new Memo(opts.remembered ?? 1024);
    this.recheckMs = opts.recheckMs ?? 1000;
    this.reload();
  }

  private reload(): void {
    const now = performance.now();
    if (now - this.checkedAt < this.recheckMs) return;
    const mtimeMs = statSync(this.file).mtimeMs;
    this.checkedAt = now;
    if (mtimeMs === this.mtimeMs) return;
    this.mtimeMs = mtimeMs;
    this.entries = new Map();
    for (const line of readFileSync(this.file, 'utf8').split('\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) this.entries.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
    }
    const cost = [...this.entries.values()].map((h) => /^\$2[aby]\$(\d\d)\$/.exec(h)?.[1]).find(Boolean) ?? '10';
    this.decoy = `$2b$${cost}$${randomBcryptBase64(53)}`;
  }

  /**
   * Checks an Authorization header value: false for anything but valid Basic credentials. Rejects with OciError
   * TOOMANYREQUESTS when too many checks are waiting already.
   */
  async verify(authorization: string | undefined): Promise<boolean> {
    const credentials = parseBasic(authorization);
    if (!credentials) return false;
    try {
      this.reload();
    } catch {
      return false;
    }
    const { password } = credentials;
    const hash = this.entries.get(credentials.username);
    if (!hash) return this.bcrypt(credentials.username, password, this.decoy).then(() => false);
    if (/^\$2[aby]\$/.test(hash)) return this.bcrypt(credentials.username, password, hash);
    if (hash.startsWith('{SHA}')) {
      const actual = Buffer.from(createHash('sha1').update(password).digest('base64'));
      const expected = Buffer.from(hash.slice(5));
      return actual.length === expected.length && timingSafeEqual(actual, expected);
    }
    return false;
  }

  private async bcrypt(username: string, password: string, hash: string): Promise<boolean> {
    const key = createHmac('sha256', this.key).update(`${username}\0${password}\0${hash}`).digest('base64');
    if (this.accepted.get(key)) return true;
    if (this.refused.get(key)) return false;
    const ok = await this.limiter.run(() => bcrypt.compare(password, hash.replace(/^\$2y\$/, '$2b$')));
    (ok ? this.accepted : this.refused).set(key, true);
    return ok;
  }
}

const BCRYPT_BASE64 = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Random salt and digest characters: a well-formed bcrypt hash that costs a full check and matches nothing. */
function randomBcryptBase64(length: number): string {
  return [...randomBytes(length)].map((b) => BCRYPT_BASE64[b % 64]).join('');
}
