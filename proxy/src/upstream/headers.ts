// Reading a response header the way undici hands them over: lower-case names, a value or a list of values.

/** The header's first value, or undefined when absent. */
export function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
