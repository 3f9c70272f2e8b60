// The one duration grammar of Berth: the proxy config, the node agent's config and the CRD's duration fields all
// take it. Go's (time.ParseDuration: 30s, 5m, 1h30m, 1.5h, 250ms) plus `d` for days, and a bare `0`; no sign, no
// µs/ns (nothing in Berth is that short). The CRD checks DURATION_PATTERN with CEL (RE2), so the pattern uses only
// what RE2 and JavaScript read alike; a test in the operator holds the CRD's rules to it.

/** Anchored; the same text is in crds/proxycacheprojects.berth.dev.yaml (`self.matches(…)`). */
export const DURATION_PATTERN = '^(?:0|(?:[0-9]+(?:[.][0-9]+)?(?:ms|s|m|h|d))+)$';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const WHOLE = new RegExp(DURATION_PATTERN);
const PART = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d)/g;

/** Milliseconds for a duration string, or undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  if (!WHOLE.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(PART)) total += Number(amount) * UNIT_MS[unit!]!;
  return Math.round(total);
}
