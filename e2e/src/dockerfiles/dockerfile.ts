// A small Dockerfile reader: enough to check Berth's Dockerfiles as text (there is no Docker engine on the test
// machines). Joins continued lines, drops comments and splits the file into build stages.

export interface Instruction {
  /** Upper-case keyword, e.g. FROM, RUN, USER. */
  keyword: string;
  /** Everything after the keyword, continuation lines joined with a space. */
  args: string;
}

export interface Stage {
  /** The image after FROM, e.g. node:24-bookworm-slim. */
  base: string;
  /** The name after AS, when given. */
  name?: string;
  instructions: Instruction[];
}

export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const { keyword, args } of instructions(text)) {
    if (keyword === 'FROM') {
      const [base = '', as, name] = args.split(/\s+/).filter((w) => !w.startsWith('--'));
      stages.push(as?.toUpperCase() === 'AS' && name ? { base, name, instructions: [] } : { base, instructions: [] });
      continue;
    }
    const current = stages.at(-1);
    if (current) current.instructions.push({ keyword, args });
  }
  return stages;
}

function* instructions(text: string): Generator<Instruction> {
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue; // a comment inside a continued instruction
    if (line.endsWith('\\')) {
      pending += line.slice(0, -1).trim() + ' ';
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    const space = full.search(/\s/);
    yield space < 0 ? { keyword: full.toUpperCase(), args: '' } : { keyword: full.slice(0, space).toUpperCase(), args: full.slice(space + 1).trim() };
  }
}

/**
 * The ARGs declared before the first FROM, with their defaults (`ARG NAME=default`; `ARG NAME` gives ''): the only
 * variables a FROM line can use.
 */
export function globalArgs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { keyword, args } of instructions(text)) {
    if (keyword === 'FROM') break;
    if (keyword !== 'ARG') continue;
    const eq = args.indexOf('=');
    if (eq < 0) out[args.trim()] = '';
    else out[args.slice(0, eq).trim()] = args.slice(eq + 1).trim().replace(/^"|"$/g, '');
  }
  return out;
}

/** `$NAME` and `${NAME}` replaced by their values (unknown names by ''), as a FROM line is expanded. */
export function expandArgs(text: string, values: Record<string, string>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, a?: string, b?: string) => values[a ?? b ?? ''] ?? '');
}

/** The values an ENV instruction sets (`ENV A=1 B=2` or the old `ENV A 1`). */
export function envAssignments(args: string): Record<string, string> {
  const out: Record<string, string> = {};
  const pairs = args.match(/[A-Za-z_][A-Za-z0-9_]*=("[^"]*"|\S*)/g);
  if (pairs) {
    for (const pair of pairs) {
      const eq = pair.indexOf('=');
      out[pair.slice(0, eq)] = pair.slice(eq + 1).replace(/^"|"$/g, '');
    }
    return out;
  }
  const [key, ...rest] = args.split(/\s+/);
  if (key) out[key] = rest.join(' ');
  return out;
}
