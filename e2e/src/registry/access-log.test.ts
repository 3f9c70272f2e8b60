import assert from 'node:assert/strict';
import { parseAccessLog } from './access-log.ts';

describe('parseAccessLog', () => {
  it('keeps the "response completed" entries with method, path, query, status and user agent', () => {
    const log = [
      '{"level":"info","msg":"listening on 127.0.0.1:5000","time":"2026-01-01T00:00:00Z"}',
      '{"http.request.method":"GET","http.request.uri":"/v2/library/app/blobs/sha256:ab?ns=docker.io","http.response.status":200,"http.request.useragent":"containerd/1.6.20~ds1","level":"info","msg":"response completed"}',
      '{"http.request.method":"HEAD","http.request.uri":"/v2/library/app/manifests/v1","http.response.status":404,"level":"info","msg":"response completed"}',
      '{"err.code":"manifest unknown","http.request.method":"GET","http.request.uri":"/v2/library/app/manifests/v2","http.response.status":404,"level":"error","msg":"response completed with error"}',
      'time="2026-01-01" level=info msg="not json"',
      '{"http.request.method":"GET","http.request.uri":"/v2/cut',
    ].join('\n');
    assert.deepEqual(parseAccessLog(log), [
      { method: 'GET', path: '/v2/library/app/blobs/sha256:ab', query: 'ns=docker.io', status: 200, userAgent: 'containerd/1.6.20~ds1' },
      { method: 'HEAD', path: '/v2/library/app/manifests/v1', query: '', status: 404, userAgent: '' },
      { method: 'GET', path: '/v2/library/app/manifests/v2', query: '', status: 404, userAgent: '' },
    ]);
  });
});
