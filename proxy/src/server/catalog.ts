// `GET /v2/_catalog` for one project: the repositories it has cached, from the index, never from the upstream (a
// pull-through cache lists what it holds). Paginated as the distribution spec says: `n` and `last`, and a Link header
// to the next page that keeps the way the request named the project (path prefix or `?ns=`).
import type { ServerResponse } from 'node:http';
import type { OciRequest } from './route.ts';
import { nextPage } from './handlers.ts';

/** What the catalog route reads: the index's repositories of a project (index/catalog.ts). */
export interface RepositoryLister {
  repositories(project: string): Promise<string[]>;
}

export async function handleCatalog(index: RepositoryLister, r: Extract<OciRequest, { kind: 'catalog' }>, res: ServerResponse): Promise<void> {
  let repositories = await index.repositories(r.project.name);
  if (r.last !== undefined) repositories = repositories.filter((name) => name > r.last!);
  const more = r.n !== undefined && repositories.length > r.n;
  if (r.n !== undefined) repositories = repositories.slice(0, r.n);
  const headers: Record<string, string> = { 'docker-distribution-api-version': 'registry/2.0', 'content-type': 'application/json' };
  if (more && repositories.length > 0) headers.link = `<${nextPage(r.target, r.n!, repositories[repositories.length - 1]!)}>; rel="next"`;
  res.writeHead(200, headers);
  res.end(JSON.stringify({ repositories }));
}
