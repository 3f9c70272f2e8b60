// HTTP/1.1 spoken by hand over a TCP socket: requests exactly as written (targets no client library would send), and
// a strict reading of the answer, so a test can tell a well-formed response from a dropped or garbled connection.
import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Map<string, string>;
  body: Buffer;
}

/** The parsed answer, or why the bytes that came back are not one well-formed HTTP/1.1 response. */
export type RawResult = { ok: true; response: RawResponse } | { ok: false; problem: string; bytes: Buffer };

/**
 * Sends `head` (a request line and headers, each line ended by CRLF, without the blank line: it is added with
 * `Connection: close`) and reads until the server closes. `method` tells whether the answer may carry a body.
 */
export function rawRequest(port: number, head: string, opts: { method?: string; timeoutMs?: number } = {}): Promise<RawResult> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let error: Error | undefined;
    const timer = setTimeout(() => {
      error = new Error(`no complete answer within ${opts.timeoutMs ?? 10_000} ms`);
      socket.destroy();
    }, opts.timeoutMs ?? 10_000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A reset after the answer (the server closing while our request bytes were still unread) is not a failure:
    // what counts is whether a whole response arrived first.
    socket.on('error', (err) => (error ??= err));
    socket.on('close', () => {
      clearTimeout(timer);
      const bytes = Buffer.concat(chunks);
      const parsed = parseResponse(bytes, opts.method ?? head.slice(0, head.indexOf(' ')));
      if (parsed.ok || !error) resolve(parsed);
      else resolve({ ok: false, problem: `${parsed.problem} (${error.message})`, bytes });
    });
    // Written without a half-close: Node's server aborts a request whose client ended its side (no half-open HTTP),
    // which would cut answers that wait on the upstream. `Connection: close` makes the server close after answering.
    socket.write(Buffer.from(`${head}Connection: close\r\n\r\n`, 'latin1'));
  });
}

/** Reads one HTTP/1.1 response from `bytes`; `ok: false` says what is wrong with it. */
export function parseResponse(bytes: Buffer, method: string): RawResult {
  const fail = (problem: string): RawResult => ({ ok: false, problem, bytes });
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return fail(bytes.length === 0 ? 'no bytes at all: the connection closed without an answer' : 'no end of headers');
  const [statusLine, ...lines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.1 (\d{3}) [^\r\n]*$/.exec(statusLine!);
  if (!m) return fail(`bad status line ${JSON.stringify(statusLine)}`);
  const status = Number(m[1]);
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(line.slice(0, colon))) return fail(`bad header line ${JSON.stringify(line)}`);
    headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  let rest = bytes.subarray(end + 4);
  if (method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200)) {
    return { ok: true, response: { status, headers, body: Buffer.alloc(0) } };
  }
  if (headers.get('transfer-encoding')?.toLowerCase() === 'chunked') {
    const parts: Buffer[] = [];
    for (;;) {
      const lineEnd = rest.indexOf('\r\n');
      if (lineEnd < 0) return fail('chunked body cut short');
      const size = parseInt(rest.subarray(0, lineEnd).toString('latin1'), 16);
      if (!Number.isInteger(size)) return fail('bad chunk size');
      if (rest.length < lineEnd + 2 + size + 2) return fail('chunk cut short');
      parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
      rest = rest.subarray(lineEnd + 2 + size + 2);
      if (size === 0) break;
    }
    return { ok: true, response: { status, headers, body: Buffer.concat(parts) } };
  }
  const length = headers.get('content-length');
  if (length !== undefined) {
    if (!/^\d+$/.test(length)) return fail(`bad content-length ${length}`);
    if (rest.length < Number(length)) return fail(`body of ${rest.length} bytes, content-length ${length}`);
    return { ok: true, response: { status, headers, body: rest.subarray(0, Number(length)) } };
  }
  // Neither: the body runs to the close of the connection (allowed, since we asked for Connection: close).
  return { ok: true, response: { status, headers, body: rest } };
}

/** The OCI distribution spec's error codes: what a 4xx error body may carry. */
export const OCI_SPEC_CODES: ReadonlySet<string> = new Set([
  'BLOB_UNKNOWN', 'BLOB_UPLOAD_INVALID', 'BLOB_UPLOAD_UNKNOWN', 'DIGEST_INVALID', 'MANIFEST_BLOB_UNKNOWN',
  'MANIFEST_INVALID', 'MANIFEST_UNKNOWN', 'NAME_INVALID', 'NAME_UNKNOWN', 'SIZE_INVALID', 'UNAUTHORIZED', 'DENIED',
  'UNSUPPORTED', 'TOOMANYREQUESTS',
]);

/**
 * Why a 4xx answer breaks the spec, or undefined when it does not: a 4xx with a body must be the spec's error JSON
 * with codes from its list (a HEAD answer and an empty body carry none).
 */
export function specViolation(response: RawResponse): string | undefined {
  if (response.status < 400 || response.status >= 500 || response.body.length === 0) return undefined;
  let doc: { errors?: { code?: unknown }[] };
  try {
    doc = JSON.parse(response.body.toString('utf8')) as typeof doc;
  } catch {
    return `${response.status} with a body that is not JSON: ${JSON.stringify(response.body.toString('latin1').slice(0, 120))}`;
  }
  const codes = (doc.errors ?? []).map((e) => String(e.code));
  if (codes.length === 0) return `${response.status} without errors[]`;
  const bad = codes.filter((c) => !OCI_SPEC_CODES.has(c));
  return bad.length > 0 ? `${response.status} with codes outside the spec: ${bad.join(', ')}` : undefined;
}
