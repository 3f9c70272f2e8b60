// The Argo CD health check shipped in examples/gitops/argocd-health.yaml, run in a real Lua 5.1 interpreter (Argo CD
// runs gopher-lua, a Lua 5.1) against statuses made by the operator's own status code: what Argo CD would show for
// each state a cache or an endpoint can be in.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoRoot, run } from '@berth/e2e';
import type { ProxyCacheProject, RegistryEndpoint } from '../src/api/index.ts';
import { mergeConditions } from '../src/kube/conditions.ts';
import { projectStatus, type ProjectObservation } from '../src/project/status.ts';

const HEALTH_KEYS = ['resource.customizations.health.berth.dev_ProxyCacheProject', 'resource.customizations.health.berth.dev_RegistryEndpoint'];
const now = new Date('2026-01-01T00:00:00Z');

/** A JSON value as a Lua expression: objects become tables with string keys, arrays sequences from 1. */
function lua(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `{${value.map(lua).join(', ')}}`;
  return `{${Object.entries(value as object).map(([k, v]) => `[${JSON.stringify(k)}] = ${lua(v)}`).join(', ')}}`;
}

/** Argo CD's verdict: the script's body run as a function with `obj` set to the object. */
async function health(script: string, obj: object): Promise<{ status: string; message: string }> {
  const program = `obj = ${lua(obj)}\nlocal hs = (function()\n${script}\nend)()\nio.write(hs.status, "\\n", hs.message or "")`;
  const out = await run('lua5.1', ['-e', program]);
  const [status = '', ...message] = out.split('\n');
  return { status, message: message.join('\n') };
}

describe('Argo CD health check for Berth kinds @real', () => {
  const file = join(repoRoot(), 'examples', 'gitops', 'argocd-health.yaml');
  const data = (parse(readFileSync(file, 'utf8')) as { data: Record<string, string> }).data;
  const script = data[HEALTH_KEYS[0]!]!;
  const endpoint: RegistryEndpoint = {
    apiVersion: 'berth.dev/v1alpha1', kind: 'RegistryEndpoint',
    metadata: { name: 'docker-hub', namespace: 'cache', generation: 1 }, spec: { provider: 'dockerhub' },
  };
  const project: ProxyCacheProject = {
    apiVersion: 'berth.dev/v1alpha1', kind: 'ProxyCacheProject',
    metadata: { name: 'hub', namespace: 'cache', generation: 1 }, spec: { endpointRef: { name: 'docker-hub' } },
  };
  const endpointWith = (status: 'True' | 'False', reason: string, message: string): RegistryEndpoint => ({
    ...endpoint,
    status: { observedGeneration: 1, conditions: mergeConditions(undefined, [{ type: 'Ready', status, reason, message }], 1, now) },
  });
  const readyEndpoint = endpointWith('True', 'Reachable', 'GET /v2/ answered 200');
  const available = { metadata: { generation: 2 }, status: { observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 1 } };
  const bound = { spec: { storageClassName: 'standard' }, status: { phase: 'Bound', capacity: { storage: '20Gi' } } };
  const projectIn = (over: Partial<ProjectObservation>): ProxyCacheProject => ({
    ...project,
    status: projectStatus({ project, endpoint: readyEndpoint, pvc: bound, deployment: available, registry: 'docker.io', now, ...over }).status,
  });

  it('has the same health check for both kinds in the shipped ConfigMap patch', () => {
    for (const key of HEALTH_KEYS) assert.equal(data[key], script, `${key} in ${file}`);
    assert.ok(script);
  });

  const cases: [string, object, string, RegExp][] = [
    ['a project the operator has not seen yet', project, 'Progressing', /waiting for the Berth operator/],
    ['a project edited since the operator last wrote status', { ...projectIn({}), metadata: { ...project.metadata, generation: 2 } }, 'Progressing', /observe generation 2/],
    ['a serving project', projectIn({}), 'Healthy', /Available/],
    ['a project whose pods are still starting', projectIn({ deployment: undefined }), 'Progressing', /Deploying/],
    ['a project whose volume is pending', projectIn({ pvc: { status: { phase: 'Pending' } } }), 'Progressing', /StoragePending/],
    ['a project whose Secret is missing (needs a person)', projectIn({ blocked: { reason: 'SecretNotFound', message: 'Secret hub-creds not found' } }), 'Degraded', /SecretNotFound: Secret hub-creds not found/],
    ['a project whose storage shrink was refused', projectIn({ storageRefusal: { reason: 'StorageShrinkRefused', message: 'a PVC cannot shrink' } as ProjectObservation['storageRefusal'] }), 'Degraded', /StorageShrinkRefused/],
    ['a project whose pods crash', projectIn({ deployment: { metadata: { generation: 2 }, status: { observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 0, unavailableReplicas: 1, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'crash' }] } } }), 'Degraded', /ReplicasUnavailable/],
    ['a reachable endpoint', readyEndpoint, 'Healthy', /Reachable/],
    ['an endpoint with wrong credentials', endpointWith('False', 'WrongCredentials', 'the upstream refused the credentials'), 'Degraded', /WrongCredentials/],
  ];
  for (const [name, obj, status, message] of cases) {
    it(`shows ${name} as ${status}`, async () => {
      const verdict = await health(script, obj);
      assert.equal(verdict.status, status, verdict.message);
      assert.match(verdict.message, message);
    });
  }
});
