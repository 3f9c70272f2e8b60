// The agent's record of what it owns on a node, kept in its state directory on the host so that a restarted
// agent (or a person running it by hand) knows which files and entries are Berth's, and what it replaced.
// Paths are node paths (as seen from the node's /), not host-root paths.
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { RuntimeName } from '@berth/contracts/node-agent';
import { PRIVATE_DIR, PRIVATE_FILE, readIfExists, writeAtomic } from './files.ts';

export interface OwnedFile {
  registry: string;
  runtime: RuntimeName;
  sha256: string;
  /** Where the file that was there before lives now (in the state directory); absent when there was none. */
  backup?: string;
}

/** A key the agent owns inside a shared file: a registries.yaml entry, or its URL in daemon.json's mirrors. */
export interface OwnedEntry {
  file: string;
  key: string[];
  registry: string;
  runtime: RuntimeName;
  value: unknown;
  /** The value the key had before the agent set it; absent when the key did not exist. */
  previous?: unknown;
}

export interface Manifest {
  version: 1;
  files: Record<string, OwnedFile>;
  entries: OwnedEntry[];
  /** One-time copies of shared files taken before the agent first changed them, for people to compare. */
  sharedBackups: Record<string, string>;
  /** Shared files that did not exist before the agent wrote them: removed again once it owns nothing in them. */
  createdFiles: string[];
}

export function emptyManifest(): Manifest {
  return { version: 1, files: {}, entries: [], sharedBackups: {}, createdFiles: [] };
}

export function manifestPath(stateDir: string): string {
  return join(stateDir, 'manifest.json');
}

export async function loadManifest(stateDir: string): Promise<Manifest> {
  const text = await readIfExists(manifestPath(stateDir));
  if (text === undefined) return emptyManifest();
  const parsed = JSON.parse(text) as Partial<Manifest>;
  if (parsed.version !== 1) throw new Error(`${manifestPath(stateDir)}: unknown manifest version ${String(parsed.version)}`);
  return { ...emptyManifest(), ...parsed } as Manifest;
}

/**
 * 0600 in a 0700 folder: `previous` holds what the agent replaced in shared files. It owns registries.yaml keys
 * below the credentials (configs.<host>.tls.*, never configs.<host> whole), but a site's file may still put
 * secrets where the agent looks; and agents before this one kept whole configs entries, auth included.
 */
export async function saveManifest(stateDir: string, manifest: Manifest): Promise<void> {
  await mkdir(stateDir, { recursive: true, mode: PRIVATE_DIR });
  await chmod(stateDir, PRIVATE_DIR);
  await writeAtomic(manifestPath(stateDir), JSON.stringify(manifest, null, 2) + '\n', { mode: PRIVATE_FILE });
}

export function entryId(e: { file: string; key: readonly string[] }): string {
  return JSON.stringify([e.file, ...e.key]);
}
