import assert from 'node:assert/strict';
import type { SeededImage } from '../images/seeded-image.ts';
import type { Peer, PeerFactory } from '../peers/peer.ts';
import type { LoadFigures } from '../procfs/load-watch.ts';
import { measureColdPulls, type ColdPull } from './cold-pull.ts';

const load: LoadFigures = { seconds: 1, cpus: 2, clientCores: 0, machineCores: 0, iowaitCores: 0, softirqCores: 0, benchCores: 0 };
const image = { repo: 'big' } as SeededImage;
const before = { repo: 'small' } as SeededImage;

/** A factory whose peers are told apart by name; the fake pull below never starts them. */
const peer = (name: Peer['name']): PeerFactory => () => Promise.resolve({ name, url: '', host: '', stop: () => Promise.resolve() });

describe('measureColdPulls', () => {
  it('takes the peers in turn, round after round, and keeps each one\'s median pull', async () => {
    const order: string[] = [];
    const seconds: Record<string, number[]> = { direct: [3, 1, 2], berth: [5, 9, 4] };
    const pull: ColdPull = async (fresh, client, pulled, first) => {
      const { name } = await fresh();
      assert.equal(pulled, image);
      assert.equal(first, before);
      order.push(`${name} ${client}`);
      const round = order.filter((o) => o === `${name} ${client}`).length - 1;
      return { seconds: (seconds[name]?.[round] ?? 0) + (client === 'containerd' ? 10 : 0), load };
    };
    const { figures, failures } = await measureColdPulls({ direct: peer('direct'), berth: peer('berth') }, image, before, 3, pull);
    assert.deepEqual(order.slice(0, 4), ['direct skopeo', 'berth skopeo', 'direct containerd', 'berth containerd']);
    assert.equal(order.length, 12);
    assert.deepEqual(failures, []);
    assert.equal(figures.direct?.skopeo.seconds, 2);
    assert.equal(figures.berth?.skopeo.seconds, 5);
    assert.equal(figures.berth?.containerd.seconds, 15);
  });

  it('leaves a peer whose pull failed out of the later rounds and of the figures, and says why', async () => {
    const order: string[] = [];
    const pull: ColdPull = async (fresh, client) => {
      const { name } = await fresh();
      order.push(`${name} ${client}`);
      if (name === 'distribution') throw new Error('connection refused\nstack');
      return { seconds: 1, load };
    };
    const { figures, failures } = await measureColdPulls({ direct: peer('direct'), distribution: peer('distribution') }, image, before, 2, pull);
    assert.equal(order.filter((o) => o.startsWith('distribution')).length, 1);
    assert.equal(figures.distribution, undefined);
    assert.equal(figures.direct?.containerd.seconds, 1);
    assert.deepEqual(failures, ['cold pull through distribution (skopeo): connection refused']);
  });
});
