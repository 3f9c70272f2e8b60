import assert from 'node:assert/strict';
import { parseSoakOptions } from './options.ts';
import { FULL_SIZES, SMALL_SIZES } from './sizes.ts';

const sizes = { full: FULL_SIZES, small: SMALL_SIZES };

describe('soak options', () => {
  it('defaults to 8 minutes, 64 clients, an outage of 20 s a minute, full sizes', () => {
    const o = parseSoakOptions([], sizes);
    assert.equal(o.durationMs, 480_000);
    assert.equal(o.clients, 64);
    assert.equal(o.outageEveryMs, 60_000);
    assert.equal(o.outageForMs, 20_000);
    assert.equal(o.sizes, FULL_SIZES);
    assert.equal(o.write, true);
  });

  it('reads durations the way the proxy config writes them', () => {
    const o = parseSoakOptions(['--duration', '2m30s', '--clients', '8', '--think', '0', '--small', '--no-write'], sizes);
    assert.equal(o.durationMs, 150_000);
    assert.equal(o.clients, 8);
    assert.equal(o.thinkMs, 0);
    assert.equal(o.sizes, SMALL_SIZES);
    assert.equal(o.write, false);
  });

  it('runs only the kinds named by --only, at their default weights', () => {
    const o = parseSoakOptions(['--only', 'warm,cold'], sizes);
    assert.equal(o.weights.warm, 34);
    assert.equal(o.weights.cold, 8);
    assert.equal(o.weights.unauthorised, 0);
    assert.throws(() => parseSoakOptions(['--only', 'warm,tepid'], sizes), /unknown kind "tepid"/);
  });

  it('refuses what it cannot run, saying why', () => {
    assert.throws(() => parseSoakOptions(['--duration', '8'], sizes), /--duration must be a duration like 30s or 8m, not "8"/);
    assert.throws(() => parseSoakOptions(['--duration', '2h'], sizes), /at most 60m/);
    assert.throws(() => parseSoakOptions(['--clients', '0'], sizes), /--clients must be a whole number/);
    assert.throws(() => parseSoakOptions(['--outage-every', '10s', '--outage-for', '10s'], sizes), /shorter than --outage-every/);
    assert.throws(() => parseSoakOptions(['--seed', 'x'], sizes), /--seed must be an integer/);
  });
});
