// Kubernetes resource quantities for sizes (50Gi, 500M, 1.5Ti, 1e9), to bytes.

const SUFFIX: Record<string, number> = {
  '': 1,
  k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};
const QUANTITY = /^(\d+(?:\.\d+)?|\.\d+)(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E))?$/;

/** Bytes for a quantity string, or undefined when it is not one. */
export function parseQuantity(text: string): number | undefined {
  const match = QUANTITY.exec(text);
  if (!match) return undefined;
  const [, number, exponent, suffix] = match;
  const value = exponent ? Number(`${number}${exponent}`) : Number(number) * SUFFIX[suffix ?? '']!;
  return Number.isFinite(value) ? Math.round(value) : undefined;
}
