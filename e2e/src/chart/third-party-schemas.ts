// Hand-written schemas for the third-party kinds Berth ships manifests for, covering only the fields those
// manifests use (and the required ones), after the projects' own CRDs: Prometheus Operator v0.7x
// (monitoring.coreos.com/v1), Argo CD (argoproj.io/v1alpha1), Flux v2 (source/kustomize.toolkit.fluxcd.io/v1),
// cert-manager v1.x (cert-manager.io/v1).
// With strict() on top, a field outside this list fails: extend the list when a manifest needs more.
import type { JsonSchema } from './schemas.ts';

const str = { type: 'string' };
const bool = { type: 'boolean' };
const duration = { type: 'string', pattern: '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$' };
const stringMap = { type: 'object', additionalProperties: { type: 'string' } };
const labelSelector = {
  type: 'object',
  properties: {
    matchLabels: stringMap,
    matchExpressions: { type: 'array', items: { type: 'object', required: ['key', 'operator'], properties: { key: str, operator: str, values: { type: 'array', items: str } } } },
  },
};
const metadata = {
  type: 'object',
  required: ['name'],
  properties: { name: str, namespace: str, labels: stringMap, annotations: stringMap },
};
const kind = (group: string, version: string, name: string, spec: JsonSchema): ThirdPartyKind => ({
  group,
  version,
  kind: name,
  schema: {
    type: 'object',
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
    properties: { apiVersion: { enum: [`${group}/${version}`] }, kind: { enum: [name] }, metadata, spec },
  },
});

export interface ThirdPartyKind {
  group: string;
  version: string;
  kind: string;
  schema: JsonSchema;
}

export const thirdPartyKinds: ThirdPartyKind[] = [
  kind('monitoring.coreos.com', 'v1', 'ServiceMonitor', {
    type: 'object',
    required: ['selector'],
    properties: {
      jobLabel: str,
      selector: labelSelector,
      namespaceSelector: { type: 'object', properties: { any: bool, matchNames: { type: 'array', items: str } } },
      endpoints: {
        type: 'array',
        items: { type: 'object', properties: { port: str, path: str, interval: duration, scrapeTimeout: duration, scheme: { enum: ['http', 'https'] }, honorLabels: { type: 'boolean' } } },
      },
    },
  }),
  kind('monitoring.coreos.com', 'v1', 'PrometheusRule', {
    type: 'object',
    properties: {
      groups: {
        type: 'array',
        items: {
          type: 'object',
          required: ['name', 'rules'],
          properties: {
            name: str,
            interval: duration,
            rules: {
              type: 'array',
              items: {
                type: 'object',
                required: ['expr'],
                properties: { alert: str, record: str, expr: { type: 'string', minLength: 1 }, for: duration, labels: stringMap, annotations: stringMap },
              },
            },
          },
        },
      },
    },
  }),
  kind('argoproj.io', 'v1alpha1', 'Application', {
    type: 'object',
    required: ['source', 'destination', 'project'],
    properties: {
      project: str,
      source: { type: 'object', required: ['repoURL'], properties: { repoURL: str, targetRevision: str, path: str } },
      destination: { type: 'object', properties: { server: str, name: str, namespace: str } },
      syncPolicy: {
        type: 'object',
        properties: {
          automated: { type: 'object', properties: { prune: bool, selfHeal: bool } },
          syncOptions: { type: 'array', items: str },
        },
      },
    },
  }),
  kind('cert-manager.io', 'v1', 'Issuer', {
    type: 'object',
    properties: {
      selfSigned: { type: 'object', properties: {} },
      ca: { type: 'object', required: ['secretName'], properties: { secretName: str } },
    },
  }),
  kind('cert-manager.io', 'v1', 'Certificate', {
    type: 'object',
    required: ['secretName', 'issuerRef'],
    properties: {
      secretName: str,
      commonName: str,
      isCA: bool,
      duration: duration,
      renewBefore: duration,
      dnsNames: { type: 'array', items: str },
      ipAddresses: { type: 'array', items: str },
      privateKey: {
        type: 'object',
        properties: {
          algorithm: { enum: ['RSA', 'ECDSA', 'Ed25519'] },
          size: { type: 'integer' },
          rotationPolicy: { enum: ['Never', 'Always'] },
        },
      },
      issuerRef: { type: 'object', required: ['name'], properties: { name: str, kind: str, group: str } },
    },
  }),
  kind('source.toolkit.fluxcd.io', 'v1', 'GitRepository', {
    type: 'object',
    required: ['url', 'interval'],
    properties: {
      url: { type: 'string', pattern: '^(http|https|ssh)://.*$' },
      interval: duration,
      ref: { type: 'object', properties: { branch: str, tag: str, semver: str, commit: str, name: str } },
    },
  }),
  kind('kustomize.toolkit.fluxcd.io', 'v1', 'Kustomization', {
    type: 'object',
    required: ['interval', 'prune', 'sourceRef'],
    properties: {
      interval: duration,
      sourceRef: { type: 'object', required: ['kind', 'name'], properties: { kind: { enum: ['OCIRepository', 'GitRepository', 'Bucket'] }, name: str, namespace: str } },
      path: str,
      prune: bool,
      wait: bool,
      timeout: duration,
      targetNamespace: str,
    },
  }),
];
