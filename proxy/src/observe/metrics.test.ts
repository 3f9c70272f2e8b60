import assert from 'node:assert/strict';
import { ProxyMetrics } from './metrics.ts';

describe('proxy metrics: TLS', () => {
  it('exports no certificate expiry from a proxy without HTTPS (an unset gauge would read 1970 and fire the alert)', async () => {
    const metrics = new ProxyMetrics(['hub']);
    assert.doesNotMatch(await metrics.registry.metrics(), /berth_tls_certificate_expiry_timestamp_seconds/);
  });

  it('exports the served certificate\'s expiry in Unix seconds, replaced on reload', async () => {
    const metrics = new ProxyMetrics(['hub']);
    metrics.tlsCertificate(new Date('2027-01-01T00:00:00Z'));
    metrics.tlsCertificate(new Date('2027-04-01T00:00:00Z'));
    assert.match(await metrics.registry.metrics(), /^berth_tls_certificate_expiry_timestamp_seconds 1806537600$/m);
  });
});
