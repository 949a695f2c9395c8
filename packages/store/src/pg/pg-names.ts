import { sql, type RawBuilder } from 'kysely';
import type { KeyEntry, SimpleDictionary } from '../dictionary/dictionary-cache';
import type { EventRow } from '../events/event-codec';
import { DICTIONARY_FIELDS } from '../events/event-dictionary-fields';
import type { ExportNames } from '../io/export';
import { rows, type PgExec } from './pg-connection';

type KeyNames = Pick<KeyEntry, 'hash' | 'label' | 'alias'>;

/** The ids a chunk of rows names: per simple dictionary, plus key and account ids. */
export interface NameIds {
  simple: Map<SimpleDictionary, Set<number>>;
  keys: Set<number>;
  accounts: Set<number>;
}

export function emptyNameIds(): NameIds {
  return { simple: new Map(), keys: new Set(), accounts: new Set() };
}

export function addSimpleId(ids: NameIds, table: SimpleDictionary, id: number): void {
  let s = ids.simple.get(table);
  if (!s) ids.simple.set(table, (s = new Set()));
  s.add(id);
}

/** Every dictionary id of events rows. */
export function nameIdsOfRows(found: readonly EventRow[]): NameIds {
  const ids = emptyNameIds();
  for (const r of found) {
    for (const f of DICTIONARY_FIELDS) {
      const id = r[f.column];
      if (id !== undefined) addSimpleId(ids, f.table, id);
    }
    ids.keys.add(r.key_id);
    ids.accounts.add(r.account_id);
  }
  return ids;
}

/**
 * id → name lookups for one export or payload on Postgres, filled chunk by chunk (`load` before the
 * chunk's rows are written): the synchronous lookups the dialect-neutral writers call. One cache per
 * export, so key labels and aliases are those of when it ran.
 */
export class PgNameCache implements ExportNames {
  private readonly simple = new Map<SimpleDictionary, Map<number, string>>();
  private readonly keys = new Map<number, KeyNames>();
  private readonly accounts = new Map<number, string>();

  private map(t: SimpleDictionary): Map<number, string> {
    let m = this.simple.get(t);
    if (!m) this.simple.set(t, (m = new Map()));
    return m;
  }

  /** Loads every name of `ids` not known yet, in one query. */
  async load(exec: PgExec, ids: NameIds): Promise<void> {
    const parts: RawBuilder<unknown>[] = [];
    for (const [t, set] of ids.simple) {
      const m = this.map(t);
      const missing = [...set].filter((id) => !m.has(id));
      if (missing.length)
        parts.push(
          sql`SELECT ${t}::text AS t, id, name AS a, NULL::text AS b, NULL::text AS c FROM ${sql.table(t)} WHERE id = ANY(${missing}::int[])`,
        );
    }
    const keyIds = [...ids.keys].filter((id) => id !== 0 && !this.keys.has(id));
    if (keyIds.length)
      parts.push(
        sql`SELECT 'api_key'::text AS t, id, hash AS a, label AS b, alias AS c FROM api_key WHERE id = ANY(${keyIds}::int[])`,
      );
    const accIds = [...ids.accounts].filter((id) => !this.accounts.has(id));
    if (accIds.length)
      parts.push(
        sql`SELECT 'account'::text AS t, id, auth_index AS a, NULL::text AS b, NULL::text AS c FROM account WHERE id = ANY(${accIds}::int[])`,
      );
    if (parts.length === 0) return;
    for (const r of await rows(
      exec,
      sql<{
        t: string;
        id: number;
        a: string;
        b: string | null;
        c: string | null;
      }>`${sql.join(parts, sql` UNION ALL `)}`,
    )) {
      if (r.t === 'api_key') this.keys.set(r.id, { hash: r.a, label: r.b ?? '', alias: r.c });
      else if (r.t === 'account') this.accounts.set(r.id, r.a);
      else this.map(r.t as SimpleDictionary).set(r.id, r.a);
    }
  }

  name(table: SimpleDictionary, id: number): string {
    return this.simple.get(table)?.get(id) ?? '';
  }

  key(id: number): KeyNames | undefined {
    return this.keys.get(id);
  }

  authIndex(id: number): string {
    return this.accounts.get(id) ?? '';
  }
}
