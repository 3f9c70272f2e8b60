// Docker: `registry-mirrors` in daemon.json, Docker Hub only, a bare URL (no path: Docker asks the mirror for
// /v2/<repo>), so only a cache that serves docker.io at its root can be named. The agent owns the one URL it adds
// and keeps every other key and mirror.

/** Returns daemon.json with `add` first in registry-mirrors and `remove` (a URL the agent added before) gone. */
export function mergeDaemonJson(text: string | undefined, change: { add?: string; remove?: string }): string {
  const parsed: unknown = text === undefined || text.trim() === '' ? {} : JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('daemon.json is not a JSON object');
  const daemon = parsed as Record<string, unknown>;
  const before = Array.isArray(daemon['registry-mirrors']) ? (daemon['registry-mirrors'] as unknown[]) : [];
  let mirrors = before.filter((m) => m !== change.remove && m !== change.add);
  if (change.add !== undefined) mirrors = [change.add, ...mirrors];
  if (mirrors.length > 0) daemon['registry-mirrors'] = mirrors;
  else delete daemon['registry-mirrors'];
  return JSON.stringify(daemon, null, 2) + '\n';
}
