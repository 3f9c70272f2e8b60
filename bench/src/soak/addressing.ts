// The three ways a client names a project (issue 3, Routing), picked per pull: a path prefix
// `/v2/<registry>/<repo>/…`, containerd's `?ns=<registry>`, or, for the default project, nothing at all.
import type { Random } from './random.ts';
import { REGISTRY_OF, type ProjectName } from './world.ts';

export type Address = (repo: string, suffix: string) => string;

export function pickAddress(rng: Random, project: ProjectName): Address {
  const registry = REGISTRY_OF[project];
  const styles = project === 'hub' ? (['prefix', 'ns', 'default'] as const) : (['prefix', 'ns'] as const);
  switch (rng.pick(styles)) {
    case 'prefix':
      return (repo, suffix) => `/v2/${registry}/${repo}/${suffix}`;
    case 'ns':
      return (repo, suffix) => `/v2/${repo}/${suffix}?ns=${registry}`;
    case 'default':
      return (repo, suffix) => `/v2/${repo}/${suffix}`;
  }
}
