// A keyv storage adapter over node:sqlite, so the embedded index needs no native build (see notes/libraries.md).
// keyv serializes values (and their expiry) itself; this stores the strings it is given.
import { EventEmitter } from 'node:events';
import { DatabaseSync, type StatementSync } from 'node:sqlite';

export class SqliteKeyvStore extends EventEmitter {
  readonly opts: { dialect: 'sqlite'; url: string };
  namespace?: string;
  private readonly db: DatabaseSync;
  private readonly getStmt: StatementSync;
  private readonly setStmt: StatementSync;
  private readonly deleteStmt: StatementSync;

  constructor(file: string) {
    super();
    this.opts = { dialect: 'sqlite', url: `sqlite://${file}` };
    this.db = new DatabaseSync(file);
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
    this.db.exec('CREATE TABLE IF NOT EXISTS keyv (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    this.getStmt = this.db.prepare('SELECT value FROM keyv WHERE key = ?');
    this.setStmt = this.db.prepare('INSERT INTO keyv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
    this.deleteStmt = this.db.prepare('DELETE FROM keyv WHERE key = ?');
  }

  async get<Value>(key: string): Promise<Value | undefined> {
    const row = this.getStmt.get(key) as { value: string } | undefined;
    return row?.value as Value | undefined;
  }

  async set(key: string, value: unknown): Promise<boolean> {
    this.setStmt.run(key, typeof value === 'string' ? value : JSON.stringify(value));
    return true;
  }

  async delete(key: string): Promise<boolean> {
    return Number(this.deleteStmt.run(key).changes) > 0;
  }

  async has(key: string): Promise<boolean> {
    return this.getStmt.get(key) !== undefined;
  }

  async clear(): Promise<void> {
    if (this.namespace) this.db.prepare('DELETE FROM keyv WHERE key LIKE ?').run(`${this.namespace}:%`);
    else this.db.exec('DELETE FROM keyv');
  }

  async *iterator(namespace?: string): AsyncGenerator<[string, string], void> {
    const rows = namespace
      ? this.db.prepare('SELECT key, value FROM keyv WHERE key LIKE ? ORDER BY key').all(`${namespace}:%`)
      : this.db.prepare('SELECT key, value FROM keyv ORDER BY key').all();
    for (const row of rows as { key: string; value: string }[]) yield [row.key, row.value];
  }

  async disconnect(): Promise<void> {
    this.db.close();
  }
}
