import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import winston from 'winston';
import { NO_OBSERVER, type CacheObserver } from '../cache/observer.ts';
import { AccessLog, withoutUserinfo, type AccessEntry } from './access-log.ts';

function capture(level: string): { logger: winston.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({ write(chunk: Buffer, _enc, done) { lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>); done(); } });
  return { logger: winston.createLogger({ level, format: winston.format.json(), transports: [new winston.transports.Stream({ stream })] }), lines };
}

const entry: AccessEntry = { requestId: 'r1', method: 'GET', path: '/v2/x/blobs/sha256:aa', route: 'blob', status: 200, bytes: 3, durationMs: 1.234, project: 'hub', client: '10.0.0.1' };

/** Runs a "request" that reports these outcomes to the observer, then writes its line. */
async function request(log: AccessLog, observer: CacheObserver, outcomes: ('hit' | 'miss' | 'coalesced')[]): Promise<void> {
  await log.run(async () => {
    for (const o of outcomes) {
      await Promise.resolve();
      observer[o]('hub', 'blob');
    }
    log.write(entry);
  });
}

describe('AccessLog', () => {
  it('notes the strongest cache outcome of each request, even with requests interleaved', async () => {
    const { logger, lines } = capture('info');
    const log = new AccessLog(logger, true);
    const forwarded: string[] = [];
    const observer = log.observing({ ...NO_OBSERVER, hit: () => forwarded.push('hit'), miss: () => forwarded.push('miss'), coalesced: () => forwarded.push('coalesced') });
    await Promise.all([request(log, observer, ['hit', 'miss', 'hit']), request(log, observer, ['hit', 'coalesced']), request(log, observer, ['hit']), request(log, observer, [])]);
    assert.deepEqual(lines.map((l) => l.cache).sort(), ['coalesced', 'hit', 'miss', undefined].sort());
    assert.equal(forwarded.length, 6, 'every report reaches the metrics');
    assert.ok(lines.every((l) => l.level === 'info' && l.message === 'request' && l.durationMs === 1.2));
  });

  it('writes at debug when off, and nothing at info when off', async () => {
    const debug = capture('debug');
    await request(new AccessLog(debug.logger, false), NO_OBSERVER, []);
    assert.deepEqual(debug.lines.map((l) => l.level), ['debug']);
    const info = capture('info');
    await request(new AccessLog(info.logger, false), NO_OBSERVER, []);
    assert.deepEqual(info.lines, []);
  });

  it('drops the userinfo of an absolute-form target', () => {
    assert.equal(withoutUserinfo('http://user:pass@host:5000/v2/'), 'http://host:5000/v2/');
    assert.equal(withoutUserinfo('HTTPS://token@host/v2/x'), 'HTTPS://host/v2/x');
    assert.equal(withoutUserinfo('/v2/library/a@b/manifests/x'), '/v2/library/a@b/manifests/x');
  });
});
