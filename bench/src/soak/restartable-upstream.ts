// An upstream registry that goes away and comes back: a real docker-registry stopped (SIGTERM, its connections
// cut) and started again on the same port and storage, so it serves what it served before. The timeline records
// when it was up, down or changing, to judge answers by when they were asked and given.
import { freePort, startRegistry, tempDir, type Registry, type TempDir } from '@berth/e2e';
import { Timeline } from './timeline.ts';

export interface RestartableUpstream {
  readonly url: string;
  readonly timeline: Timeline;
  /** Stops it; requests are refused until `start`. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it for good and removes its storage. */
  dispose(): Promise<void>;
}

export async function startRestartableUpstream(): Promise<RestartableUpstream> {
  const data: TempDir = await tempDir('berth-soak-upstream');
  const port = await freePort();
  let registry: Registry | undefined;
  const timeline = new Timeline();
  const start = async () => {
    if (registry) return;
    timeline.mark('changing');
    registry = await startRegistry({ port, dataDir: data.path });
    timeline.mark('up');
  };
  const stop = async () => {
    if (!registry) return;
    timeline.mark('changing');
    const stopping = registry;
    registry = undefined;
    await stopping.stop();
    timeline.mark('down');
  };
  try {
    await start();
  } catch (err) {
    await data.remove();
    throw err;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    timeline,
    stop,
    start,
    dispose: async () => {
      await stop();
      await data.remove();
    },
  };
}
