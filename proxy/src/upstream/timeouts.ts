// How long the proxy waits on an upstream registry, and why the defaults are what they are. Before these, a stalled
// upstream kept a client waiting 124 s for a 502 (4 attempts × a 30 s headers timeout, plus backoff); every wait
// is now bounded by `deadline` before the headers, and by `body` of silence after them.
import { parseDuration, type UpstreamTimeoutsConfig } from '@berth/contracts/proxy-config';

export interface UpstreamTimeouts {
  connectMs: number;
  headersMs: number;
  bodyMs: number;
  deadlineMs: number;
}

export const DEFAULT_UPSTREAM_TIMEOUTS: Readonly<UpstreamTimeouts> = {
  // TCP and TLS set-up to a registry takes well under a second; 5 s rides out two lost SYNs (Linux resends at 1 s
  // and 3 s), and a host that needs longer is better tried again on a new connection.
  connectMs: 5_000,
  // A registry answers a manifest or blob request in a second or two (a Docker Hub blob is a redirect to a CDN: each
  // hop has its own 10 s). An attempt silent for longer has worse odds than a fresh one.
  headersMs: 10_000,
  // Only silence is bounded, never a download: a live connection does not pause 30 s between two chunks (TCP's
  // retransmission backoff gets there only after several losses in a row), and a 2 GB layer may stream for minutes.
  bodyMs: 30_000,
  // What a client waits at most for an error when the upstream does not answer: three attempts of 10 s against a
  // stalled upstream. containerd falls back to the next host of hosts.toml (the registry itself) only once the
  // mirror has answered, so this is also how long a node's pull is held up by a stalled upstream.
  deadlineMs: 30_000,
};

/** The configured timeouts in milliseconds, defaults for those not given. */
export function resolveUpstreamTimeouts(config: UpstreamTimeoutsConfig = {}): UpstreamTimeouts {
  const ms = (value: string | undefined, fallback: number) => (value === undefined ? fallback : parseDuration(value)!);
  return {
    connectMs: ms(config.connect, DEFAULT_UPSTREAM_TIMEOUTS.connectMs),
    headersMs: ms(config.headers, DEFAULT_UPSTREAM_TIMEOUTS.headersMs),
    bodyMs: ms(config.body, DEFAULT_UPSTREAM_TIMEOUTS.bodyMs),
    deadlineMs: ms(config.deadline, DEFAULT_UPSTREAM_TIMEOUTS.deadlineMs),
  };
}
