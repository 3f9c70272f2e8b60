// Turns the JSON line the wrk script prints into figures: MB/s, requests/s and latency in milliseconds.
import { WRK_REPORT_MARKER } from './wrk-script.ts';

export interface WrkSummary {
  requests: number;
  bytes: number;
  seconds: number;
  /** Decimal megabytes per second of response bytes (headers included, as wrk counts them). */
  megabytesPerSecond: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Non-2xx/3xx responses, timeouts and socket errors together: a run with any is not a fair figure. */
  errors: number;
}

interface WrkReport {
  requests: number;
  bytes: number;
  durationUs: number;
  connectErrors: number;
  readErrors: number;
  writeErrors: number;
  statusErrors: number;
  timeouts: number;
  p50Us: number;
  p99Us: number;
}

/** Finds the script's line in wrk's stdout; throws when wrk printed none (it crashed or the script did not run). */
export function parseWrkOutput(stdout: string): WrkSummary {
  const line = stdout.split('\n').find((l) => l.startsWith(WRK_REPORT_MARKER));
  if (line === undefined) throw new Error(`wrk printed no report line:\n${stdout}`);
  const r = JSON.parse(line.slice(WRK_REPORT_MARKER.length)) as WrkReport;
  const seconds = r.durationUs / 1e6;
  if (!(seconds > 0)) throw new Error(`wrk reported a duration of ${r.durationUs} µs`);
  return {
    requests: r.requests,
    bytes: r.bytes,
    seconds,
    megabytesPerSecond: r.bytes / 1e6 / seconds,
    requestsPerSecond: r.requests / seconds,
    p50Ms: r.p50Us / 1000,
    p99Ms: r.p99Us / 1000,
    errors: r.connectErrors + r.readErrors + r.writeErrors + r.statusErrors + r.timeouts,
  };
}
