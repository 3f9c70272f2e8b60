// The Redis connection for coordinating replicas (fill leases, in-use marks, the retention lock), beside the
// catalog's own connection: these commands (SET NX PX, compare-and-delete scripts) are not keyv's to give. The client
// comes from @redis/client through @keyv/redis, the library the catalog already uses. It is loaded only when a
// replica connects: a proxy that never uses Redis need not carry it (see store/open.ts for the S3 client and what
// the two cost).
import type { createClient } from '@keyv/redis';

function newClient(create: typeof createClient, url: string) {
  return create({
    url,
    socket: { reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 5_000) },
    // While the connection is down, commands fail at once instead of waiting in a queue: a fill then goes ahead
    // alone and a retention pass is skipped, where a queue would hold pulls (and a shutdown) until Redis is back.
    disableOfflineQueue: true,
  });
}

export type RedisClient = ReturnType<typeof newClient>;

/** Every key Berth's replicas coordinate on starts with this (the catalog's keys are keyv's `berth:` namespace). */
export const COORDINATION_PREFIX = 'berth:replicas:';

/**
 * Connects to `url`, waiting (and telling `onError` each attempt) until Redis answers: the shared index needs it
 * anyway. A connection that drops later is reconnected by the client; until then commands reject, and their
 * callers fall back to working alone. `onError` hears every connection error (the URL may hold a password:
 * callers log the error's message only, which never contains it).
 */
export async function connectRedis(url: string, onError: (err: Error) => void): Promise<RedisClient> {
  const { createClient } = await import('@keyv/redis');
  const client = newClient(createClient, url);
  // Without a listener, an 'error' event would end the process.
  client.on('error', (err: Error) => onError(err));
  await client.connect();
  return client;
}
