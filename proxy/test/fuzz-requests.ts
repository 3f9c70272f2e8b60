// fast-check generators of HTTP requests to the proxy: request targets (origin-, absolute-, asterisk-form and
// garbage), repository names, references, digests, query parameters, and headers (Range, Accept, Authorization,
// X-Request-Id, arbitrary ones). Biased toward what breaks parsers: `..` and encoded separators, percent sequences,
// brackets, `@` and `:`, names of files outside the store.
import fc from 'fast-check';

/** Known content of the upstream, so that some generated requests are valid and reach the store. */
export interface FuzzWorld {
  repositories: string[];
  tags: string[];
  digests: string[];
  registries: string[];
  /** Paths (relative to the store and absolute) of files a request must never read. */
  canaries: string[];
  /** A valid `Authorization` value for the protected project. */
  authorization: string;
}

export interface FuzzRequest {
  method: string;
  target: string;
  headers: [string, string][];
}

const PRINTABLE = fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c));
const NASTY = fc.constantFrom(
  '..', '.', '%2e%2e', '%2E%2E', '%2f', '%2F', '%5c', '%00', '%', '%z', '%%', '/', '//', '\\', '@', ':', '[', ']', '?', '#',
  '~', ';', ',', '+', '%20', '%ff', '%c0%ae', '..%2f', '.%2e', '\u00e9', '\u00ff', 'sha256:', 'library/', 'blobs', 'manifests',
);
const fragment = fc.oneof(
  { weight: 3, arbitrary: fc.stringMatching(/^[a-z0-9]{1,8}$/) },
  { weight: 2, arbitrary: NASTY },
  { weight: 1, arbitrary: fc.string({ unit: PRINTABLE, maxLength: 12 }) },
);
const messy = fc.array(fragment, { minLength: 0, maxLength: 6 }).map((parts) => parts.join(''));
const hex = (length: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length });

function names(world: FuzzWorld): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(...world.repositories),
    fc.constantFrom(...world.canaries.map((c) => `library/${c}`), ...world.canaries),
    fc.array(fc.oneof(fc.stringMatching(/^[a-z0-9]+([._-][a-z0-9]+)*$/), messy), { minLength: 1, maxLength: 4 }).map((p) => p.join('/')),
    fc.constant('x/'.repeat(130) + 'y'),
  );
}

function references(world: FuzzWorld): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(...world.tags, ...world.digests, 'list'),
    hex(64).map((h) => `sha256:${h}`),
    hex(128).map((h) => `sha512:${h}`),
    fc.tuple(fc.constantFrom('sha256', 'sha512', 'md5', 'SHA256', 'sha256+b64', ''), messy).map(([a, h]) => `${a}:${h}`),
    fc.constantFrom(...world.canaries.map((c) => `sha256:${c}`), ...world.canaries),
    fc.stringMatching(/^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,140}$/),
    messy,
  );
}

const queryValue = fc.oneof(fc.integer({ min: -5, max: 1_000_000 }).map(String), fc.constantFrom('', '1e3', '0x10', 'NaN', '-0', '1.5'), messy);
function query(world: FuzzWorld): fc.Arbitrary<string> {
  const param = fc.oneof(
    fc.tuple(fc.constant('ns'), fc.oneof(fc.constantFrom(...world.registries), messy)),
    fc.tuple(fc.constantFrom('n', 'last', 'artifactType', 'digest', 'mount', 'from'), queryValue),
    fc.tuple(messy, messy),
  ).map(([k, v]) => `${k}=${v}`);
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant('') },
    { weight: 3, arbitrary: fc.array(param, { minLength: 1, maxLength: 4 }).map((ps) => `?${ps.join('&')}`) },
    { weight: 1, arbitrary: messy.map((q) => `?${q}`) },
  );
}

function ociTarget(world: FuzzWorld): fc.Arbitrary<string> {
  return fc.tuple(
    fc.oneof(fc.constant(''), fc.constantFrom(...world.registries.map((r) => `${r}/`)), messy.map((p) => `${p}/`)),
    names(world),
    fc.oneof(fc.constantFrom('manifests', 'blobs', 'tags', 'referrers', 'blobs/uploads', 'tags/list'), messy),
    references(world),
    query(world),
  ).map(([prefix, name, kind, ref, q]) => `/v2/${prefix}${name}/${kind}/${ref}${q}`);
}

/** Requests for content that exists: they reach the store and the upstream, where Range and Accept matter. */
function knownTarget(world: FuzzWorld): fc.Arbitrary<string> {
  return fc.tuple(
    fc.constantFrom('', 'docker.io/', 'private.test/'),
    fc.constantFrom(...world.repositories),
    fc.oneof(
      fc.constantFrom(...world.digests).map((d) => `blobs/${d}`),
      fc.constantFrom(...world.tags, ...world.digests).map((r) => `manifests/${r}`),
      fc.constantFrom('tags/list', ...world.digests.map((d) => `referrers/${d}`)),
    ),
    query(world),
  ).map(([prefix, name, rest, q]) => `/v2/${prefix}${name}/${rest}${q}`);
}

export function targets(world: FuzzWorld): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 8, arbitrary: ociTarget(world) },
    { weight: 5, arbitrary: knownTarget(world) },
    { weight: 1, arbitrary: fc.constantFrom('/v2/', '/v2', '/healthz', '/readyz', '/metrics', '/_berth/stats', '/v2/_catalog', '*', '//', '/', '') },
    { weight: 1, arbitrary: fc.tuple(query(world)).map(([q]) => `/v2/${q}`) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom('http://', 'https://', 'HTTP://', 'ftp://', '//', 'http:'), messy, ociTarget(world)).map(([s, h, p]) => `${s}${h}${p}`) },
    { weight: 2, arbitrary: fc.array(fragment, { maxLength: 12 }).map((p) => `/${p.join('')}`) },
    { weight: 1, arbitrary: fc.string({ unit: PRINTABLE, maxLength: 40 }) },
    // Bytes no target may hold (controls, spaces, latin-1): the HTTP parser itself must be answered for.
    { weight: 1, arbitrary: fc.string({ unit: fc.integer({ min: 0, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 30 }).map((s) => `/v2/${s}`) },
    { weight: 1, arbitrary: fc.integer({ min: 2_000, max: 20_000 }).map((n) => `/v2/${'a/'.repeat(n / 2)}manifests/v1`) },
  );
}

const range = fc.oneof(
  fc.tuple(fc.nat({ max: 10_000 }), fc.nat({ max: 10_000 })).map(([a, b]) => `bytes=${a}-${b}`),
  fc.nat({ max: 10_000 }).map((a) => `bytes=${a}-`),
  fc.nat({ max: 10_000 }).map((b) => `bytes=-${b}`),
  fc.constantFrom('bytes=', 'bytes=-', 'bytes=0-1,2-3', 'bytes=99999999999999999999-', 'items=0-1', 'bytes=1-0', 'bytes= 0-1', ''),
  messy.map((m) => `bytes=${m}`),
);

function authorization(world: FuzzWorld): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constant(world.authorization),
    fc.string({ unit: PRINTABLE, maxLength: 40 }).map((s) => `Basic ${Buffer.from(s).toString('base64')}`),
    messy.map((m) => `Basic ${m}`),
    messy.map((m) => `Bearer ${m}`),
    messy,
  );
}

const headerValue = fc.oneof(messy, fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 40 }));

export function requests(world: FuzzWorld): fc.Arbitrary<FuzzRequest> {
  const header = fc.oneof(
    range.map((v): [string, string] => ['Range', v]),
    fc.constantFrom('application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json', '*/*', 'text/html', '', 'a;b;c, ,;').map((v): [string, string] => ['Accept', v]),
    authorization(world).map((v): [string, string] => ['Authorization', v]),
    headerValue.map((v): [string, string] => ['X-Request-Id', v]),
    fc.tuple(fc.constantFrom('Expect', 'Content-Length', 'Transfer-Encoding', 'If-None-Match', 'Upgrade', 'Host'), headerValue),
    fc.tuple(fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9-]{0,20}$/), headerValue),
  );
  return fc.record({
    method: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom('GET', 'HEAD') },
      { weight: 1, arbitrary: fc.constantFrom('PUT', 'POST', 'PATCH', 'DELETE', 'OPTIONS', 'CONNECT', 'TRACE', 'BREW', 'get') },
    ),
    target: targets(world),
    headers: fc.array(header, { maxLength: 4 }),
  });
}

/** The request's bytes up to (not including) the final blank line. */
export function requestHead(r: FuzzRequest): string {
  return `${r.method} ${r.target} HTTP/1.1\r\nHost: proxy\r\n${r.headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}`;
}
