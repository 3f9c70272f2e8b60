import assert from 'node:assert/strict';
import { metricNames } from './exported-metrics.ts';

describe('metricNames', () => {
  it('reads names from # TYPE lines, with the series a histogram adds', () => {
    const text = [
      '# HELP berth_requests_total HTTP requests',
      '# TYPE berth_requests_total counter',
      'berth_requests_total{route="blob",code="200"} 3',
      '# TYPE berth_request_duration_seconds histogram',
      'berth_request_duration_seconds_bucket{le="0.1"} 1',
      '# TYPE berth_store_bytes gauge',
    ].join('\n');
    assert.deepEqual([...metricNames(text)].sort(), [
      'berth_request_duration_seconds', 'berth_request_duration_seconds_bucket', 'berth_request_duration_seconds_count',
      'berth_request_duration_seconds_sum', 'berth_requests_total', 'berth_store_bytes',
    ]);
  });
});
