import type Database from 'better-sqlite3';
import type { FilterDim } from '../analytics/analytics-filter';

export type SimpleDictionary = 'model' | 'provider' | 'endpoint' | 'client_ip' | 'user_agent' | 'label' | 'upstream';
const SIMPLE: SimpleDictionary[] = ['model', 'provider', 'endpoint', 'client_ip', 'user_agent', 'label', 'upstream'];

interface Dict {
  byName: Map<string, number>;
  names: string[];
  insert: Database.Statement<[string]>;
}

export interface KeyEntry {
  id: number;
  hash: string;
  label: string;
  alias: string | null;
}

export interface AccountEntry {
  id: number;
  authIndex: string;
}

/**
 * In-memory maps for every dictionary table, so the write path resolves strings to ids without a
 * query. Entries created inside a transaction that later rolls back are forgotten via `rollback()`.
 */
export class DictionaryCache {
  private readonly dicts = new Map<SimpleDictionary, Dict>();
  private readonly keys = new Map<string, KeyEntry>();
  private readonly keysById: (KeyEntry | undefined)[] = [];
  private readonly accounts = new Map<string, number>();
  private readonly accountsById: (string | undefined)[] = [];
  private pending: (() => void)[] = [];
  private readonly insertKey: Database.Statement<[string, string]>;
  private readonly updateKeyLabel: Database.Statement<[string, number]>;
  private readonly insertAccount: Database.Statement<[string, string, string, number, number]>;

  constructor(private readonly db: Database.Database) {
    for (const t of SIMPLE) {
      this.dicts.set(t, {
        byName: new Map(),
        names: [],
        insert: db.prepare(`INSERT INTO ${t}(name) VALUES (?)`),
      });
    }
    this.insertKey = db.prepare('INSERT INTO api_key(hash, label) VALUES (?, ?)');
    this.updateKeyLabel = db.prepare('UPDATE api_key SET label = ? WHERE id = ?');
    this.insertAccount = db.prepare(
      'INSERT INTO account(auth_index, provider, label, first_seen_ms, last_seen_ms) VALUES (?, ?, ?, ?, ?)',
    );
    this.reload();
  }

  reload(): void {
    for (const [t, d] of this.dicts) {
      d.byName.clear();
      d.names.length = 0;
      for (const r of this.db.prepare(`SELECT id, name FROM ${t}`).all() as { id: number; name: string }[]) {
        d.byName.set(r.name, r.id);
        d.names[r.id] = r.name;
      }
    }
    this.keys.clear();
    this.keysById.length = 0;
    for (const r of this.db.prepare('SELECT id, hash, label, alias FROM api_key').all() as KeyEntry[]) {
      this.keys.set(r.hash, r);
      this.keysById[r.id] = r;
    }
    this.accounts.clear();
    this.accountsById.length = 0;
    for (const r of this.db.prepare('SELECT id, auth_index FROM account').all() as {
      id: number;
      auth_index: string;
    }[]) {
      this.accounts.set(r.auth_index, r.id);
      this.accountsById[r.id] = r.auth_index;
    }
  }

  /** Call after a failed transaction: drops entries whose rows were rolled back. */
  rollback(): void {
    for (const undo of this.pending) undo();
    this.pending = [];
  }

  commit(): void {
    this.pending = [];
  }

  id(table: SimpleDictionary, name: string): number {
    const d = this.dicts.get(table)!;
    const found = d.byName.get(name);
    if (found !== undefined) return found;
    const id = Number(d.insert.run(name).lastInsertRowid);
    d.byName.set(name, id);
    d.names[id] = name;
    this.pending.push(() => {
      d.byName.delete(name);
      d.names[id] = undefined as unknown as string;
    });
    return id;
  }

  /** Existing id or undefined (read paths never create entries). */
  find(table: SimpleDictionary, name: string): number | undefined {
    return this.dicts.get(table)!.byName.get(name);
  }

  name(table: SimpleDictionary, id: number): string {
    const d = this.dicts.get(table)!;
    let n = d.names[id];
    if (n === undefined) {
      this.reload();
      n = d.names[id];
    }
    return n ?? '';
  }

  entries(table: SimpleDictionary): { id: number; name: string }[] {
    const out: { id: number; name: string }[] = [];
    for (const [name, id] of this.dicts.get(table)!.byName) out.push({ id, name });
    return out;
  }

  keyId(hash: string, label: string): number {
    const found = this.keys.get(hash);
    if (found) {
      if (label && found.label !== label) {
        this.updateKeyLabel.run(label, found.id);
        found.label = label;
      }
      return found.id;
    }
    const id = Number(this.insertKey.run(hash, label).lastInsertRowid);
    const entry: KeyEntry = { id, hash, label, alias: null };
    this.keys.set(hash, entry);
    this.keysById[id] = entry;
    this.pending.push(() => {
      this.keys.delete(hash);
      this.keysById[id] = undefined;
    });
    return id;
  }

  key(id: number): KeyEntry | undefined {
    if (this.keysById[id] === undefined) this.reload();
    return this.keysById[id];
  }

  keyByHash(hash: string): KeyEntry | undefined {
    return this.keys.get(hash);
  }

  allKeys(): KeyEntry[] {
    return [...this.keys.values()];
  }

  setKeyAlias(hash: string, alias: string | null): void {
    const e = this.keys.get(hash);
    if (e) e.alias = alias;
  }

  accountId(authIndex: string, provider: string, label: string, ts: number): number {
    const found = this.accounts.get(authIndex);
    if (found !== undefined) return found;
    const id = Number(this.insertAccount.run(authIndex, provider, label, ts, ts).lastInsertRowid);
    this.accounts.set(authIndex, id);
    this.accountsById[id] = authIndex;
    this.pending.push(() => {
      this.accounts.delete(authIndex);
      this.accountsById[id] = undefined;
    });
    return id;
  }

  /** The id of a filter value of one dimension (a key hash, auth index, model or provider name), if it exists. */
  findId(dim: FilterDim, name: string): number | undefined {
    if (dim === 'key') return this.keys.get(name)?.id;
    if (dim === 'account') return this.accounts.get(name);
    return this.find(dim, name);
  }

  findAccount(authIndex: string): number | undefined {
    return this.accounts.get(authIndex);
  }

  authIndex(id: number): string {
    if (this.accountsById[id] === undefined) this.reload();
    return this.accountsById[id] ?? '';
  }

  /** One past the largest id (dense group arrays are sized by it). */
  size(table: SimpleDictionary | 'api_key' | 'account'): number {
    if (table === 'api_key') return this.keysById.length;
    if (table === 'account') return this.accountsById.length;
    return this.dicts.get(table)!.names.length;
  }

  accountCount(): number {
    return this.accounts.size;
  }
}
