// Reads the requests a docker-registry served from its JSON log (logrus, `log.formatter: json`): one
// "response completed" entry per request (or "response completed with error", at level error, for the requests
// answered with an error body, e.g. a GET that is 404), with the method, URI and status.

export interface AccessLogEntry {
  method: string;
  /** The request path without its query. */
  path: string;
  /** The query string without `?`, '' when none. */
  query: string;
  status: number;
  /** Who asked: Berth's proxy and containerd name themselves here. */
  userAgent: string;
}

interface LogrusEntry {
  msg?: string;
  'http.request.method'?: string;
  'http.request.uri'?: string;
  'http.response.status'?: number;
  'http.request.useragent'?: string;
}

export function parseAccessLog(text: string): AccessLogEntry[] {
  const entries: AccessLogEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: LogrusEntry;
    try {
      entry = JSON.parse(line) as LogrusEntry;
    } catch {
      continue; // a line cut by a concurrent write; the registry writes whole lines, so only the last can be
    }
    if (!entry.msg?.startsWith('response completed') || !entry['http.request.method'] || !entry['http.request.uri']) continue;
    const uri = entry['http.request.uri'];
    const q = uri.indexOf('?');
    entries.push({
      method: entry['http.request.method'],
      path: q < 0 ? uri : uri.slice(0, q),
      query: q < 0 ? '' : uri.slice(q + 1),
      status: entry['http.response.status'] ?? 0,
      userAgent: entry['http.request.useragent'] ?? '',
    });
  }
  return entries;
}
