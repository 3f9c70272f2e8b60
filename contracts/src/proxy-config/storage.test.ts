import assert from 'node:assert/strict';
import { ConfigError, parseProxyConfig, renderProxyConfig, validateProxyConfig } from './index.ts';

function withStorage(storage: unknown): unknown {
  return { listen: '127.0.0.1:5000', storage, projects: [{ name: 'hub', registry: 'docker.io', upstream: 'https://registry-1.docker.io' }] };
}

const S3 = {
  endpoint: 'https://s3.example.com', bucket: 'berth-cache', region: 'eu-west-1', prefix: 'berth/',
  accessKeyIdFile: '/s3/access-key-id', secretAccessKeyFile: '/s3/secret-access-key', forcePathStyle: true, caFile: '/s3/ca.crt',
  localCopy: '2Gi',
};

describe('proxy config: storage', () => {
  it('takes a volume, object storage, or object storage with a local folder', () => {
    assert.deepEqual(validateProxyConfig(withStorage({ directory: '/data' })).storage, { directory: '/data' });
    assert.deepEqual(validateProxyConfig(withStorage({ s3: S3 })).storage, { s3: S3 });
    assert.deepEqual(validateProxyConfig(withStorage({ s3: { bucket: 'b12' }, directory: '/work' })).storage, { s3: { bucket: 'b12' }, directory: '/work' });
  });

  it('lets a project on object storage redirect warm blob GETs to it', () => {
    const config = validateProxyConfig({ ...(withStorage({ s3: S3 }) as object), projects: [{ name: 'hub', registry: 'docker.io', upstream: 'https://registry-1.docker.io', redirectToStorage: true }] });
    assert.equal(config.projects[0]!.redirectToStorage, true);
    assert.deepEqual(parseProxyConfig(renderProxyConfig(config)), config);
  });

  it('renders object storage so that it parses back the same', () => {
    const config = validateProxyConfig(withStorage({ s3: S3 }));
    assert.deepEqual(parseProxyConfig(renderProxyConfig(config)), config);
  });

  it('takes a size for the local copies of blobs, 0 turning them off', () => {
    assert.equal(validateProxyConfig(withStorage({ s3: { bucket: 'b12', localCopy: '500Mi' } })).storage.s3!.localCopy, '500Mi');
    assert.equal(validateProxyConfig(withStorage({ s3: { bucket: 'b12', localCopy: 0 } })).storage.s3!.localCopy, '0');
  });

  const bad: [string, unknown, RegExp][] = [
    ['a local copy size that is no size', { s3: { bucket: 'b12', localCopy: '2 GB' } }, /^storage\.s3\.localCopy: "2 GB" is not a size \(use e\.g\. 500Mi, 50Gi\)/],
    ['a negative local copy size', { s3: { bucket: 'b12', localCopy: '-1Gi' } }, /^storage\.s3\.localCopy: "-1Gi" is not a size/],
    ['nothing', {}, /^storage: give directory \(a volume\) or s3/],
    ['an unknown key', { s3: { ...S3, accessKeyId: 'AKIA' } }, /^storage\.s3\.accessKeyId: unknown key/],
    ['no bucket', { s3: { endpoint: 'http://s3:9000' } }, /^storage\.s3\.bucket: must be a non-empty string/],
    ['an upper-case bucket', { s3: { bucket: 'Berth' } }, /^storage\.s3\.bucket: "Berth" is not a bucket name/],
    ['a two-letter bucket', { s3: { bucket: 'ab' } }, /^storage\.s3\.bucket: /],
    ['a bucket with ..', { s3: { bucket: 'a..b' } }, /^storage\.s3\.bucket: /],
    ['an endpoint that is no URL', { s3: { bucket: 'b12', endpoint: 's3.example.com' } }, /^storage\.s3\.endpoint: "s3\.example\.com" is not a URL/],
    ['an ftp endpoint', { s3: { bucket: 'b12', endpoint: 'ftp://s3.example.com' } }, /^storage\.s3\.endpoint: .* must use http or https/],
    ['a region with spaces', { s3: { bucket: 'b12', region: 'eu west' } }, /^storage\.s3\.region: /],
    ['a prefix with ..', { s3: { bucket: 'b12', prefix: 'a/../b' } }, /^storage\.s3\.prefix: /],
    ['a prefix with a leading /', { s3: { bucket: 'b12', prefix: '/berth' } }, /^storage\.s3\.prefix: /],
    ['a key id file without the secret file', { s3: { bucket: 'b12', accessKeyIdFile: '/k' } }, /^storage\.s3: give both accessKeyIdFile and secretAccessKeyFile, or neither/],
    ['forcePathStyle as a string', { s3: { bucket: 'b12', forcePathStyle: 'yes' } }, /^storage\.s3\.forcePathStyle: must be true or false/],
    ['a CA for a plain-HTTP endpoint', { s3: { bucket: 'b12', endpoint: 'http://s3:9000', caFile: '/ca' } }, /^storage\.s3\.caFile: needs an https: endpoint/],
  ];
  for (const [what, storage, message] of bad) {
    it(`refuses ${what}, naming the key`, () => {
      assert.throws(() => validateProxyConfig(withStorage(storage)), (err: unknown) => err instanceof ConfigError && message.test(err.message));
    });
  }

  it('never shows a key written into the endpoint, and says where keys go', () => {
    // The second secret has a '/', as AWS secrets often do: the value is then no URL at all.
    for (const [secret, hint] of [['wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY', 'accessKeyIdFile'], ['wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'not a URL']]) {
      const endpoint = `https://AKIAEXAMPLE:${secret}@s3.example.com`;
      assert.throws(() => validateProxyConfig(withStorage({ s3: { bucket: 'b12', endpoint } })), (err: unknown) => {
        const message = (err as Error).message;
        return err instanceof ConfigError && err.path === 'storage.s3.endpoint' && !message.includes(secret!) && !message.includes('AKIAEXAMPLE')
          && message.includes(hint!);
      });
    }
  });
});
