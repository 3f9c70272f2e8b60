// Every key the proxy writes to the bucket is built here, and only from a checked Digest or a plain replica name, so
// no request can name a key outside the layout. Layout (v1 is the layout version, as on the volume):
//
//   <prefix>v1/
//     blobs/<algorithm>/<first two hex>/<hex>     verified content (blobs and manifests alike); the only keys ever
//                                                  read. A large blob is a multipart upload to this key, completed
//                                                  only once verified, so it is invisible until then.
//     uploads/<replica>/<start>/<id>               a note per multipart upload in progress ({key, uploadId}), filed
//                                                  under the process that started it (S3 does not say who did): its
//                                                  replica name (the pod's, or the host's) and a random id per start,
//                                                  since replicas may share a name (one host, a restart)
//     instances/<replica>/<start>                  each running process's heartbeat (rewritten every minute): the
//                                                  notes of a process whose heartbeat stopped, or that is gone, name
//                                                  uploads nobody will complete (uploads.ts aborts them)
//     uploads/<replica>/<id>                       notes of proxies before per-start ids, aborted by a replica of that
//                                                  name when it starts (as those proxies did)
//
// Objects here are leaves only: some servers (versitygw's posix backend) cannot hold a key that is both an object
// and a prefix, and none of these is both.
import { randomBytes, randomUUID } from 'node:crypto';
import { digestParts, isDigest, type Digest } from '../../oci/digest.ts';

export interface BucketKeys {
  /** Everything this proxy writes lives under here: `<prefix>v1/`. */
  readonly root: string;
  readonly blobsPrefix: string;
  /** Every process's upload notes live under here. */
  readonly uploadsPrefix: string;
  /** Every process's heartbeat lives under here. */
  readonly instancesPrefix: string;
  /** This process: `<replica>/<start>`, unique to this start of this replica. */
  readonly instance: string;
  /** Notes of this replica name from before per-start ids (`uploads/<replica>/<id>`). */
  readonly legacyUploadsPrefix: string;
  blob(digest: Digest): string;
  /** The digest a blob key names, or undefined for any other key. */
  digestOf(key: string): Digest | undefined;
  newUploadNote(): string;
  /** The heartbeat of an instance. */
  heartbeat(instance: string): string;
  /** The instance (`<replica>/<start>`) whose note `key` is, or undefined for a key of another shape. */
  instanceOfNote(key: string): string | undefined;
}

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * `prefix` as validated by the config (may be empty, may lack the trailing `/`); `replica` is one plain segment;
 * `start`, this start's id, random unless given (tests).
 */
export function bucketKeys(prefix: string, replica: string, start = randomBytes(6).toString('hex')): BucketKeys {
  if (!SEGMENT.test(replica)) throw new Error(`replica name ${JSON.stringify(replica)} is not a plain key segment`);
  if (!SEGMENT.test(start)) throw new Error(`start id ${JSON.stringify(start)} is not a plain key segment`);
  const root = `${prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`}v1/`;
  const blobsPrefix = `${root}blobs/`;
  const uploadsPrefix = `${root}uploads/`;
  const instancesPrefix = `${root}instances/`;
  const instance = `${replica}/${start}`;
  const ownUploadsPrefix = `${uploadsPrefix}${instance}/`;
  return {
    root,
    blobsPrefix,
    uploadsPrefix,
    instancesPrefix,
    instance,
    legacyUploadsPrefix: `${uploadsPrefix}${replica}/`,
    blob(digest) {
      const { algorithm, hex } = digestParts(digest);
      return `${blobsPrefix}${algorithm}/${hex.slice(0, 2)}/${hex}`;
    },
    digestOf(key) {
      if (!key.startsWith(blobsPrefix)) return undefined;
      const [algorithm, two, hex, ...rest] = key.slice(blobsPrefix.length).split('/');
      const digest = `${algorithm}:${hex}`;
      return rest.length === 0 && hex?.slice(0, 2) === two && isDigest(digest) ? digest : undefined;
    },
    newUploadNote: () => `${ownUploadsPrefix}${randomUUID()}`,
    heartbeat: (of) => `${instancesPrefix}${of}`,
    instanceOfNote(key) {
      if (!key.startsWith(uploadsPrefix)) return undefined;
      const parts = key.slice(uploadsPrefix.length).split('/');
      return parts.length === 3 && parts.every((p) => SEGMENT.test(p)) ? `${parts[0]}/${parts[1]}` : undefined;
    },
  };
}
