// The shell commands a document gives: the ```sh blocks under one heading, in order, so a test can run them
// exactly as a reader would (indented blocks inside list items included).

/** The body of the `## heading` section: up to the next heading of the same or a higher level. */
export function section(markdown: string, heading: string): string {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.trim() === heading);
  if (start < 0) throw new Error(`no "${heading}" heading`);
  const level = /^#+/.exec(heading)?.[0].length ?? 2;
  const end = lines.findIndex((l, i) => i > start && /^#+ /.test(l) && (/^#+/.exec(l)?.[0].length ?? 0) <= level);
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

/** Every ```sh block of `text`, its indentation removed, as one script per block. */
export function shellBlocks(text: string): string[] {
  const blocks: string[] = [];
  let open: { indent: string; lines: string[] } | undefined;
  for (const line of text.split('\n')) {
    if (!open) {
      const m = /^(\s*)```(sh|bash|shell)\s*$/.exec(line);
      if (m) open = { indent: m[1] ?? '', lines: [] };
    } else if (line.trim() === '```') {
      blocks.push(open.lines.join('\n'));
      open = undefined;
    } else {
      open.lines.push(line.startsWith(open.indent) ? line.slice(open.indent.length) : line.trimStart());
    }
  }
  if (open) throw new Error('a ```sh block is not closed');
  return blocks;
}
