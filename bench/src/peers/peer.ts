// What every server under measurement looks like to the measures: a base URL serving /v2/<repo>/... and a stop.

/**
 * `direct` is the upstream registry itself: the reference a cold pull through a cache is compared with. `bare-node`
 * is node:http answering one manifest and nothing else: the machine check beside the manifest loads.
 */
export type PeerName = 'berth' | 'distribution' | 'nginx' | 'direct' | 'bare-node';

export interface Peer {
  name: PeerName;
  /** http://127.0.0.1:PORT */
  url: string;
  /** 127.0.0.1:PORT, for skopeo and containerd references. */
  host: string;
  /** The server's process id when the bench started it itself (peak RSS is read from /proc). */
  pid?: number;
  stop(): Promise<void>;
}

/** Starts a fresh instance with an empty cache (cold measures need one each). */
export type PeerFactory = () => Promise<Peer>;
