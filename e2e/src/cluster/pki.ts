// The control plane's certificates, made with openssl: one CA signs the apiserver's serving certificate and a
// client certificate per identity; a separate key pair signs service-account tokens. EC P-256 keys keep a cold
// `up` fast. Certificates outlive `down`, so a kubeconfig written earlier keeps trusting the apiserver.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The real node's name: the IP literal, so that the apiserver reaches the kubelet without DNS (see realnode.ts). */
export const realNodeName = '127.0.0.1';

export interface CertSpec {
  /** file stem under pki/: <name>.key, <name>.crt */
  name: string;
  commonName: string;
  organization?: string;
  usage: 'server' | 'client';
  /** subjectAltName entries, e.g. IP:127.0.0.1, DNS:localhost (server certificates) */
  altNames?: string[];
}

/** The identities of the local control plane. Component identities match the default RBAC bootstrap roles. */
export const certSpecs: readonly CertSpec[] = [
  {
    name: 'apiserver',
    commonName: 'kube-apiserver',
    usage: 'server',
    altNames: [
      'IP:127.0.0.1',
      'DNS:localhost',
      // the in-cluster service address and names, for clients that resolve the kubernetes Service
      'IP:10.96.0.1',
      'DNS:kubernetes',
      'DNS:kubernetes.default',
      'DNS:kubernetes.default.svc',
      'DNS:kubernetes.default.svc.cluster.local',
    ],
  },
  { name: 'admin', commonName: 'berth-admin', organization: 'system:masters', usage: 'client' },
  { name: 'kube-controller-manager', commonName: 'system:kube-controller-manager', usage: 'client' },
  { name: 'kube-scheduler', commonName: 'system:kube-scheduler', usage: 'client' },
  // kwok writes node and pod status for every fake node; it has no narrower bootstrap role.
  { name: 'kwok', commonName: 'kwok', organization: 'system:masters', usage: 'client' },
  // The real node (realnode.ts). The apiserver's client identity towards kubelets (logs, exec, port-forward):
  // system:masters passes the kubelet's webhook authorization (a SubjectAccessReview) as in kubeadm clusters.
  { name: 'apiserver-kubelet-client', commonName: 'kube-apiserver-kubelet-client', organization: 'system:masters', usage: 'client' },
  // The kubelet's own identity: the Node authorizer and NodeRestriction admission know it by this name and group.
  { name: 'kubelet', commonName: `system:node:${realNodeName}`, organization: 'system:nodes', usage: 'client' },
  // The kubelet's serving certificate: the apiserver dials the node's InternalIP, the IP literal 127.0.0.1.
  { name: 'kubelet-serving', commonName: realNodeName, usage: 'server', altNames: [`IP:${realNodeName}`, 'DNS:localhost'] },
  // kube-proxy: the bootstrap ClusterRoleBinding system:node-proxier names this user.
  { name: 'kube-proxy', commonName: 'system:kube-proxy', usage: 'client' },
];

/** An openssl config whose extensions section makes a CA-signed leaf of the given usage. */
export function leafOpensslConfig(spec: CertSpec): string {
  const lines = [
    '[req]',
    'distinguished_name = dn',
    'x509_extensions = leaf',
    'prompt = no',
    '[dn]',
    '[leaf]',
    'basicConstraints = critical, CA:FALSE',
    spec.usage === 'server' ? 'keyUsage = critical, digitalSignature, keyEncipherment' : 'keyUsage = critical, digitalSignature',
    `extendedKeyUsage = ${spec.usage === 'server' ? 'serverAuth' : 'clientAuth'}`,
  ];
  if (spec.altNames && spec.altNames.length > 0) lines.push(`subjectAltName = ${spec.altNames.join(', ')}`);
  return lines.join('\n') + '\n';
}

export function subjectOf(spec: Pick<CertSpec, 'commonName' | 'organization'>): string {
  const escape = (v: string): string => v.replace(/[/\\]/g, (c) => `\\${c}`);
  return (spec.organization ? `/O=${escape(spec.organization)}` : '') + `/CN=${escape(spec.commonName)}`;
}

export interface Pki {
  caCert: string;
  caKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
  cert(name: string): { cert: string; key: string };
}

export function pkiFiles(dir: string): Pki {
  return {
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    serviceAccountKey: join(dir, 'sa.key'),
    serviceAccountPub: join(dir, 'sa.pub'),
    cert: (name) => ({ cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) }),
  };
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`openssl ${args[0]} failed: ${stderr.trim() || String(err)}`, { cause: err });
  }
}

const newKey = (path: string): Promise<void> =>
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path]);

/** A self-signed CA: a new key at `ca.key` and its certificate at `ca.cert`. */
export async function issueCa(ca: { cert: string; key: string }, commonName: string, days = 3650): Promise<void> {
  await newKey(ca.key);
  await openssl(['req', '-x509', '-new', '-key', ca.key, '-subj', subjectOf({ commonName }), '-days', String(days), '-out', ca.cert]);
}

/** A new key at `out.key` and its certificate for `spec`, signed by `ca`, at `out.cert`. */
export async function issueLeaf(ca: { cert: string; key: string }, spec: CertSpec, out: { cert: string; key: string }, days = 3650): Promise<void> {
  const cnf = `${out.cert}.cnf`;
  await writeFile(cnf, leafOpensslConfig(spec));
  try {
    await newKey(out.key);
    await openssl(['req', '-x509', '-new', '-config', cnf, '-key', out.key, '-subj', subjectOf(spec), '-CA', ca.cert, '-CAkey', ca.key, '-days', String(days), '-out', out.cert]);
  } finally {
    await rm(cnf, { force: true });
  }
}

/** Creates every missing file of the PKI; an existing complete PKI is left as it is. */
export async function ensurePki(dir: string): Promise<Pki> {
  const pki = pkiFiles(dir);
  const all = [pki.caCert, pki.caKey, pki.serviceAccountKey, pki.serviceAccountPub, ...certSpecs.flatMap((s) => Object.values(pki.cert(s.name)))];
  if (all.every((f) => existsSync(f))) return pki;
  // A partial PKI (an interrupted `up`) is rebuilt whole: leaves must be signed by the CA beside them.
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await issueCa({ cert: pki.caCert, key: pki.caKey }, 'berth-local-ca');
  await newKey(pki.serviceAccountKey);
  await openssl(['pkey', '-in', pki.serviceAccountKey, '-pubout', '-out', pki.serviceAccountPub]);
  await Promise.all(certSpecs.map((spec) => issueLeaf({ cert: pki.caCert, key: pki.caKey }, spec, pki.cert(spec.name))));
  return pki;
}
