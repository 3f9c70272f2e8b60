// Reads a V8 CPU profile (node --cpu-prof) into the table a person looks at first: where the samples landed,
// by function (self time) and by file, as shares of all samples.

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
}

export interface CpuProfile {
  nodes: ProfileNode[];
}

export interface FrameShare {
  /** `name (file:line)`, or V8's own pseudo-frames such as (garbage collector). */
  frame: string;
  samples: number;
  /** Share of all samples, 0..1. */
  share: number;
}

/** node:internal/… and file:///…/proxy/dist/src/… → a short path; line numbers are 0-based in profiles. */
function where(frame: CallFrame): string {
  if (frame.url === '') return '';
  const short = frame.url.replace(/^file:\/\/.*?\/(proxy|node_modules)\//, '$1/');
  return ` (${short}:${frame.lineNumber + 1})`;
}

function ranked(counts: Map<string, number>, total: number, limit: number): FrameShare[] {
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([frame, samples]) => ({ frame, samples, share: total === 0 ? 0 : samples / total }));
}

export function topFrames(profile: CpuProfile, limit = 25): FrameShare[] {
  const counts = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    total += hits;
    const key = `${node.callFrame.functionName || '(anonymous)'}${where(node.callFrame)}`;
    counts.set(key, (counts.get(key) ?? 0) + hits);
  }
  return ranked(counts, total, limit);
}

export function topFiles(profile: CpuProfile, limit = 15): FrameShare[] {
  const counts = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    total += hits;
    const file = node.callFrame.url === '' ? node.callFrame.functionName : where(node.callFrame).replace(/^ \((.*):\d+\)$/, '$1');
    counts.set(file, (counts.get(file) ?? 0) + hits);
  }
  return ranked(counts, total, limit);
}

export function renderShares(title: string, shares: FrameShare[]): string {
  const rows = shares.map((s) => `| ${(s.share * 100).toFixed(1)}% | ${s.samples} | ${s.frame.replaceAll('|', '\\|')} |`);
  return [`#### ${title}`, '', '| share | samples | frame |', '| --- | --- | --- |', ...rows].join('\n');
}
