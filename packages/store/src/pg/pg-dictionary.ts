import { sql } from 'kysely';
import type { SimpleDictionary } from '../dictionary/dictionary-cache';
import { rows, type PgExec } from './pg-connection';

interface KeyEntry {
  id: number;
  label: string;
}

/**
 * Name → id maps for the write path. Ids never change once committed, so other processes adding
 * entries is harmless: unknown names are upserted (ON CONFLICT) and read back in the transaction.
 * Entries are staged per transaction and merged only after it commits.
 */
export class PgDictionary {
  private readonly simple = new Map<SimpleDictionary, Map<string, number>>();
  private readonly keys = new Map<string, KeyEntry>();
  private readonly accounts = new Map<string, number>();

  begin(trx: PgExec): PgDictionaryTx {
    return new PgDictionaryTx(this, trx);
  }

  /** @internal */ simpleMap(table: SimpleDictionary): Map<string, number> {
    let m = this.simple.get(table);
    if (!m) {
      m = new Map();
      this.simple.set(table, m);
    }
    return m;
  }
  /** @internal */ keyMap(): Map<string, KeyEntry> {
    return this.keys;
  }
  /** @internal */ accountMap(): Map<string, number> {
    return this.accounts;
  }

  /** Forgets cached key labels (after an alias or label change elsewhere). */
  forgetKey(hash: string): void {
    this.keys.delete(hash);
  }
}

export class PgDictionaryTx {
  private readonly staged: (() => void)[] = [];
  private readonly simple = new Map<SimpleDictionary, Map<string, number>>();
  private readonly keys = new Map<string, number>();
  private readonly accounts = new Map<string, number>();

  constructor(
    private readonly dict: PgDictionary,
    private readonly trx: PgExec,
  ) {}

  /** Merges this transaction's new entries into the shared cache; call after commit. */
  commit(): void {
    for (const s of this.staged) s();
  }

  /** Resolves (creating where needed) every name of a simple dictionary. */
  async load(table: SimpleDictionary, names: Iterable<string>): Promise<void> {
    const shared = this.dict.simpleMap(table);
    let local = this.simple.get(table);
    if (!local) {
      local = new Map();
      this.simple.set(table, local);
    }
    const missing = [...new Set(names)].filter((n) => !shared.has(n) && !local.has(n)).sort();
    if (missing.length === 0) return;
    const t = sql.table(table);
    await sql`INSERT INTO ${t} (name) SELECT unnest(${missing}::text[]) ON CONFLICT (name) DO NOTHING`.execute(
      this.trx,
    );
    const found = await rows(
      this.trx,
      sql<{ id: number; name: string }>`SELECT id, name FROM ${t} WHERE name = ANY(${missing}::text[])`,
    );
    for (const r of found) local.set(r.name, r.id);
    this.staged.push(() => {
      for (const r of found) shared.set(r.name, r.id);
    });
  }

  id(table: SimpleDictionary, name: string): number {
    const id = this.dict.simpleMap(table).get(name) ?? this.simple.get(table)?.get(name);
    if (id === undefined) throw new Error(`dictionary ${table} has no entry for "${name}" (load it first)`);
    return id;
  }

  /** Keys by hash; a non-empty label replaces the stored one (the last one of the batch wins). */
  async loadKeys(items: Iterable<{ hash: string; label: string }>): Promise<void> {
    const want = new Map<string, string>();
    for (const k of items) {
      const prev = want.get(k.hash);
      if (prev === undefined || k.label !== '') want.set(k.hash, k.label || (prev ?? ''));
    }
    const shared = this.dict.keyMap();
    const todo = [...want].filter(([h, l]) => {
      const c = shared.get(h);
      return !c || (l !== '' && c.label !== l);
    });
    if (todo.length === 0) return;
    todo.sort((a, b) => (a[0] < b[0] ? -1 : 1));
    const hashes = todo.map((x) => x[0]);
    await sql`INSERT INTO api_key (hash, label)
      SELECT * FROM unnest(${hashes}::text[], ${todo.map((x) => x[1])}::text[])
      ON CONFLICT (hash) DO UPDATE SET label = excluded.label
      WHERE excluded.label <> '' AND api_key.label <> excluded.label`.execute(this.trx);
    const found = await rows(
      this.trx,
      sql<{
        id: number;
        hash: string;
        label: string;
      }>`SELECT id, hash, label FROM api_key WHERE hash = ANY(${hashes}::text[])`,
    );
    for (const r of found) this.keys.set(r.hash, r.id);
    this.staged.push(() => {
      for (const r of found) shared.set(r.hash, { id: r.id, label: r.label });
    });
  }

  keyId(hash: string): number {
    const id = this.keys.get(hash) ?? this.dict.keyMap().get(hash)?.id;
    if (id === undefined) throw new Error(`api_key has no entry for "${hash}" (load it first)`);
    return id;
  }

  /** Accounts by auth index; new ones start with the provider, source label and first-seen time. */
  async loadAccounts(
    items: Iterable<{ authIndex: string; provider: string; label: string; ts: number }>,
  ): Promise<void> {
    const shared = this.dict.accountMap();
    const first = new Map<string, { provider: string; label: string; ts: number }>();
    for (const a of items)
      if (!shared.has(a.authIndex) && !this.accounts.has(a.authIndex) && !first.has(a.authIndex))
        first.set(a.authIndex, a);
    if (first.size === 0) return;
    const todo = [...first].sort((a, b) => (a[0] < b[0] ? -1 : 1));
    const ids = todo.map((x) => x[0]);
    await sql`INSERT INTO account (auth_index, provider, label, first_seen_ms, last_seen_ms)
      SELECT a, p, l, t, t FROM unnest(${ids}::text[], ${todo.map((x) => x[1].provider)}::text[],
        ${todo.map((x) => x[1].label)}::text[], ${todo.map((x) => x[1].ts)}::bigint[]) AS u(a, p, l, t)
      ON CONFLICT (auth_index) DO NOTHING`.execute(this.trx);
    const found = await rows(
      this.trx,
      sql<{
        id: number;
        auth_index: string;
      }>`SELECT id, auth_index FROM account WHERE auth_index = ANY(${ids}::text[])`,
    );
    for (const r of found) this.accounts.set(r.auth_index, r.id);
    this.staged.push(() => {
      for (const r of found) shared.set(r.auth_index, r.id);
    });
  }

  accountId(authIndex: string): number {
    const id = this.accounts.get(authIndex) ?? this.dict.accountMap().get(authIndex);
    if (id === undefined) throw new Error(`account has no entry for "${authIndex}" (load it first)`);
    return id;
  }
}
