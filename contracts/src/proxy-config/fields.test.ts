import assert from 'node:assert/strict';
import { ConfigError } from './errors.ts';
import { boolean, duration, join, object, optional, quantity, redactUrl, show, string, url } from './fields.ts';

/** Runs `read` and gives its ConfigError's message. */
function problem(read: () => unknown): string {
  try {
    read();
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.message;
  }
  return assert.fail('no ConfigError');
}

describe('proxy config fields', () => {
  it('join builds key paths from the top level down', () => {
    assert.equal(join('', 'listen'), 'listen');
    assert.equal(join('projects[0].tls', 'caFile'), 'projects[0].tls.caFile');
  });

  it('show quotes strings and writes undefined as a word', () => {
    assert.equal(show('a"b'), '"a\\"b"');
    assert.equal(show(undefined), 'undefined');
    assert.equal(show([1]), '[1]');
  });

  it('object refuses non-mappings and names the first unknown key', () => {
    for (const value of [null, [], 'text', 3]) assert.match(problem(() => object(value, 'log', ['level'])), /^log: must be a mapping, got /);
    assert.equal(problem(() => object({ level: 'info', colour: true }, 'log', ['level'])), 'log.colour: unknown key (allowed: level)');
    assert.equal(problem(() => object({ x: 1 }, '', ['listen'])), 'x: unknown key (allowed: listen)');
  });

  it('string refuses empty and non-string values', () => {
    assert.equal(string({ a: 'x' }, 'a', 'p'), 'x');
    assert.equal(problem(() => string({ a: '' }, 'a', 'p')), 'p.a: must be a non-empty string, got ""');
    assert.equal(problem(() => string({ a: 5 }, 'a', 'p')), 'p.a: must be a non-empty string, got 5');
  });

  it('optional reads only a value that is there: absent and null are both unset', () => {
    const read = (obj: Record<string, unknown>) => optional(obj, 'a', () => boolean(obj, 'a', ''));
    assert.equal(read({}), undefined);
    assert.equal(read({ a: null }), undefined);
    assert.equal(read({ a: false }), false);
    assert.equal(problem(() => read({ a: 'no' })), 'a: must be true or false, got "no"');
  });

  it('duration and quantity take what YAML reads as a number, as text', () => {
    assert.equal(duration({ ttl: 0 }, 'ttl', ''), '0');
    assert.equal(duration({ ttl: '1h30m' }, 'ttl', ''), '1h30m');
    assert.equal(problem(() => duration({ ttl: true }, 'ttl', 'p')), 'p.ttl: true is not a duration (use e.g. 30s, 5m, 168h)');
    assert.equal(quantity({ max: 1024 }, 'max', ''), '1024');
    assert.equal(quantity({ max: '50Gi' }, 'max', ''), '50Gi');
    assert.equal(problem(() => quantity({ max: '50GB' }, 'max', 'r')), 'r.max: "50GB" is not a size (use e.g. 500Mi, 50Gi)');
  });

  it('redactUrl cuts whatever stands between the scheme and the last @, URL or not', () => {
    assert.equal(redactUrl('https://bob:pw@host/x'), 'https://***@host/x');
    assert.equal(redactUrl('https://a:p/w@d@host'), 'https://***@host');
    assert.equal(redactUrl('https://host/path'), 'https://host/path');
    assert.equal(redactUrl('not a url:pw@host'), 'not a url:pw@host');
  });

  it('url keeps a URL of an allowed scheme without its trailing slashes', () => {
    assert.equal(url({ u: 'https://registry.example.com/v2///' }, 'u', '', ['https:'], 'nowhere'), 'https://registry.example.com/v2');
    assert.equal(problem(() => url({ u: 'http://h' }, 'u', 'p', ['https:', 'rediss:'], 'nowhere')), 'p.u: "http://h" must use https or rediss');
    assert.equal(problem(() => url({ u: 'no url' }, 'u', 'p', ['https:'], 'nowhere')), 'p.u: "no url" is not a URL');
  });

  it('url refuses credentials inside it, says where they go instead, and never repeats them', () => {
    const message = problem(() => url({ u: 'https://bob:hunter2@h' }, 'u', 'p', ['https:'], 'use a Secret'));
    assert.equal(message, 'p.u: "https://***@h" must not carry a user or password (credentials never go in a URL): use a Secret');
    assert.ok(!message.includes('hunter2') && !message.includes('bob'));
  });
});
