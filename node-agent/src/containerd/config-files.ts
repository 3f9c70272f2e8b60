// containerd's config files as the agent sees them: node paths read under --host-root, and the glob containerd
// applies to an `imports` entry that holds a `*` (resolveImports in cmd/containerd/server/config/config.go, 2.x,
// and services/server/config/config.go, 1.7: Go's filepath.Glob, names sorted per directory, `*` and `?` never
// crossing a `/`, `[...]` classes, `\` escapes).
import { readdir, readFile, lstat } from 'node:fs/promises';
import { join, posix } from 'node:path';

export interface ConfigFiles {
  /** The file's text; undefined when there is no such file (other errors reject). */
  read(nodePath: string): Promise<string | undefined>;
  /** Node paths matching a Go filepath.Glob pattern, in Go's order. */
  glob(pattern: string): Promise<string[]>;
}

export function hostConfigFiles(hostRoot: string): ConfigFiles {
  const at = (p: string) => join(hostRoot, p);
  return {
    async read(nodePath) {
      try {
        return await readFile(at(nodePath), 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
    async glob(pattern) {
      let found = ['/'];
      for (const segment of posix.normalize(pattern).split('/').filter((s) => s !== '')) {
        const next: string[] = [];
        for (const dir of found) {
          if (!hasMeta(segment)) {
            const candidate = posix.join(dir, unescape(segment));
            if (await lstat(at(candidate)).then(() => true, () => false)) next.push(candidate);
            continue;
          }
          const re = goPatternRegExp(segment);
          const names = await readdir(at(dir)).catch(() => [] as string[]);
          // Go sorts by bytes; names here are UTF-16, which orders ASCII the same way.
          for (const name of names.sort()) if (re.test(name)) next.push(posix.join(dir, name));
        }
        found = next;
      }
      return found;
    },
  };
}

function hasMeta(segment: string): boolean {
  return /[*?[\\]/.test(segment);
}

function unescape(segment: string): string {
  return segment.replace(/\\(.)/g, '$1');
}

/** One path segment of a Go filepath.Match pattern as an anchored RegExp. */
export function goPatternRegExp(segment: string): RegExp {
  let out = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i] as string;
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '\\' && i + 1 < segment.length) out += escapeRe(segment[++i] as string);
    else if (c === '[') {
      const end = segment.indexOf(']', i + 2);
      if (end < 0) throw new Error(`syntax error in pattern ${JSON.stringify(segment)}`);
      let body = segment.slice(i + 1, end);
      const negate = body.startsWith('^');
      if (negate) body = body.slice(1);
      let cls = '';
      for (let j = 0; j < body.length; j++) {
        const ch = body[j] as string;
        if (ch === '\\' && j + 1 < body.length) cls += `\\${body[++j] as string}`;
        else if (ch === '-') cls += '-'; // a range, as in Go
        else cls += /[\]\\^[]/.test(ch) ? `\\${ch}` : ch;
      }
      out += `[${negate ? '^' : ''}${cls}]`;
      i = end;
    } else out += escapeRe(c);
  }
  return new RegExp(`^${out}$`);
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
