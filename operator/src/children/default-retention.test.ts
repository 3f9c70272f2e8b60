import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { DEFAULT_MAX_SIZE_SHARE, defaultMaxSize } from './default-retention.ts';

describe('the default retention cap', () => {
  it('is a share of the volume in whole MiB, and refuses a size that is none', () => {
    assert.equal(defaultMaxSize('20Gi'), '17408Mi');
    assert.equal(defaultMaxSize(), defaultMaxSize('20Gi'), 'the PVC\'s default size');
    assert.equal(defaultMaxSize('1k'), '850');
    assert.throws(() => defaultMaxSize('lots'), RangeError);
  });

  it('is the share the CRD tells users (retention and retention.maxSize descriptions)', () => {
    const crd = parse(readFileSync(new URL('../../../crds/proxycacheprojects.berth.dev.yaml', import.meta.url), 'utf8'));
    const retention = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.cache.properties.retention;
    const share = `${Math.round(DEFAULT_MAX_SIZE_SHARE * 100)}% of storage.size`;
    assert.ok(retention.description.includes(share), retention.description);
    assert.ok(retention.properties.maxSize.description.includes(share), retention.properties.maxSize.description);
  });
});
