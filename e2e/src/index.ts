// The real test bed, as helpers for the mocha suites: upstream registries, test images, containerd, the proxy.
// Everything started here is stopped after the test run even when a test fails (see testbed/cleanup.ts).
export { stopAll } from './testbed/cleanup.ts';
export { freePort, portOpen } from './testbed/ports.ts';
export { tempDir, type TempDir } from './testbed/temp.ts';
export { mountTmpfs, type Tmpfs } from './testbed/tmpfs.ts';
export { waitFor, httpAnswers, type WaitOptions } from './testbed/wait.ts';
export { run, CommandError } from './testbed/run.ts';
export { repoRoot } from './testbed/repo.ts';
export { section, shellBlocks } from './docs/commands.ts';
export { startRegistry, type Registry, type RegistryOptions, type Credentials } from './registry/registry.ts';
export type { AccessLogEntry } from './registry/access-log.ts';
export type { TokenService, TokenRequest } from './registry/token-service.ts';
export { htpasswdLine } from './registry/htpasswd.ts';
export { buildImage, buildMultiArchImage, type TestImage, type PlatformImage, type BuildOptions } from './images/build-image.ts';
export { skopeo, pushImage, pullImage, type PulledImage, type PullOptions } from './images/skopeo.ts';
export { startContainerd, type Containerd, type ContainerdPullOptions } from './containerd/containerd.ts';
export { writeHostsToml, type MirrorHost } from './containerd/hosts.ts';
export { startRedis, type Redis } from './redis/redis.ts';
export { startVersitygw, versitygwBinary, type S3Keys, type S3Request, type S3Server, type VersitygwOptions } from './s3/versitygw.ts';
export { startFaultyUpstream, type Fault, type FaultRule, type FaultyUpstream, type SeenRequest } from './faults/faulty-upstream.ts';
export { pathKind, type PathKind } from './faults/path-kind.ts';
export { exchange, type Exchange, type ExchangeOptions } from './faults/exchange.ts';
export { startProxy, proxyCliCommand, type RunningProxy, type StartProxyOptions } from './proxy/proxy.ts';
export { useCluster, releaseCluster, type Cluster } from './cluster/index.ts';
export { kubeletPullSeconds } from './install/workloads.ts';
export { createTestCa, type TestCa, type IssuedCertificate } from './tls/test-ca.ts';
export { secretVolume, type SecretVolume } from './tls/secret-volume.ts';
export { conformanceBinary, toolchainBinDir, toolchainVersions } from './testbed/toolchain.ts';
