// registries.yaml merging is tested with the other renderers in render.test.ts; this file covers reading keys back
// and the refusals.
import assert from 'node:assert/strict';
import { endpointHost, mergeYamlKeys, readYamlKey } from './k3s.ts';

const FILE = `# the site's own
mirrors:
  docker.io:
    endpoint: ["http://cache:5000/v2/docker.io"]
configs:
  cache:443:
    auth: { username: u }
`;

describe('k3s registries.yaml keys', () => {
  it('readYamlKey reads a value at a path, undefined when the file or any key on the way is absent', () => {
    assert.deepEqual(readYamlKey(FILE, ['mirrors', 'docker.io']), { endpoint: ['http://cache:5000/v2/docker.io'] });
    assert.deepEqual(readYamlKey(FILE, ['configs', 'cache:443', 'auth', 'username']), 'u');
    assert.equal(readYamlKey(FILE, ['mirrors', 'quay.io']), undefined);
    assert.equal(readYamlKey(FILE, ['mirrors', 'docker.io', 'endpoint', '0']), undefined, 'a list is not walked into');
    assert.equal(readYamlKey(undefined, ['mirrors']), undefined);
    assert.equal(readYamlKey('', ['mirrors']), undefined);
  });

  it('mergeYamlKeys keeps comments and other keys, and refuses text that is not YAML', () => {
    const out = mergeYamlKeys(FILE, [{ key: ['mirrors', 'quay.io'], value: { endpoint: ['http://cache:5000/v2/quay.io'] } }]);
    assert.match(out, /^# the site's own/);
    assert.equal(readYamlKey(out, ['configs', 'cache:443', 'auth', 'username']), 'u');
    assert.deepEqual(readYamlKey(out, ['mirrors', 'quay.io', 'endpoint']), ['http://cache:5000/v2/quay.io']);
    assert.throws(() => mergeYamlKeys('mirrors: [unclosed\n', []), /registries\.yaml is not valid YAML/);
  });

  it('taking back every key the agent owns leaves an empty file, not {}', () => {
    const own = mergeYamlKeys(undefined, [{ key: ['mirrors', 'docker.io'], value: { endpoint: ['x'] } }]);
    assert.equal(mergeYamlKeys(own, [{ key: ['mirrors', 'docker.io'], value: undefined }]), '');
  });

  it('endpointHost refuses what is not a URL', () => {
    assert.throws(() => endpointHost('cache:5000'), /not a URL/);
  });
});
