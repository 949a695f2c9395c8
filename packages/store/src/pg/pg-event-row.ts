import { sql, type RawBuilder } from 'kysely';
import type { SimpleDictionary } from '../dictionary/dictionary-cache';
import { decodeEvent, type EventRow, type EventNames } from '../events/event-codec';
import { DICTIONARY_FIELDS, fieldsOf, type DictionaryField } from '../events/event-dictionary-fields';
import type { StoredEvent } from '../types';
import { rows, type PgExec } from './pg-connection';

/** An events row with its extra payload (NULL when the event has none). */
export type PgEventRow = Required<EventRow>;

/**
 * SELECT … FROM events e (+ its extra payload); append WHERE / ORDER BY / LIMIT. Names are resolved
 * afterwards by PgNames: joining all 15 dictionary tables here cost ~100 ms of planning per query.
 */
export const EVENT_SELECT = sql`SELECT e.*, x.fail_body, x.headers, hs.names AS header_names
  FROM events e LEFT JOIN event_extra x ON x.event_id = e.id LEFT JOIN header_set hs ON hs.id = x.hset`;

/** Each simple dictionary with the events columns that hold its ids. */
const SIMPLE_COLS = [...new Set(DICTIONARY_FIELDS.map((f) => f.table))].map(
  (t): [SimpleDictionary, DictionaryField['column'][]] => [t, fieldsOf(t).map((f) => f.column)],
);

/**
 * id → name for the event dictionaries. Dictionary names never change once written, so they are
 * cached; key labels and auth indexes are read fresh for each page (labels do change).
 */
export class PgNames {
  private readonly simple = new Map<SimpleDictionary, Map<number, string>>();

  private map(t: SimpleDictionary): Map<number, string> {
    let m = this.simple.get(t);
    if (!m) {
      m = new Map();
      this.simple.set(t, m);
    }
    return m;
  }

  /** Decodes rows, loading every missing name in one query. */
  async decode(exec: PgExec, found: readonly PgEventRow[]): Promise<StoredEvent[]> {
    if (found.length === 0) return [];
    const parts: RawBuilder<unknown>[] = [];
    for (const [t, cols] of SIMPLE_COLS) {
      const m = this.map(t);
      const missing = [...new Set(found.flatMap((r) => cols.map((c) => r[c])))].filter((id) => !m.has(id));
      if (missing.length)
        parts.push(
          sql`SELECT ${t}::text AS t, id, name AS a, NULL::text AS b FROM ${sql.table(t)} WHERE id = ANY(${missing}::int[])`,
        );
    }
    const keyIds = [...new Set(found.map((r) => r.key_id))];
    const accIds = [...new Set(found.map((r) => r.account_id))];
    parts.push(
      sql`SELECT 'api_key'::text AS t, id, hash AS a, label AS b FROM api_key WHERE id = ANY(${keyIds}::int[])`,
    );
    parts.push(
      sql`SELECT 'account'::text AS t, id, auth_index AS a, NULL::text AS b FROM account WHERE id = ANY(${accIds}::int[])`,
    );
    const keys = new Map<number, { hash: string; label: string }>();
    const accounts = new Map<number, string>();
    for (const r of await rows(
      exec,
      sql<{ t: string; id: number; a: string; b: string | null }>`${sql.join(parts, sql` UNION ALL `)}`,
    )) {
      if (r.t === 'api_key') keys.set(r.id, { hash: r.a, label: r.b ?? '' });
      else if (r.t === 'account') accounts.set(r.id, r.a);
      else this.map(r.t as SimpleDictionary).set(r.id, r.a);
    }
    const lookup: EventNames = {
      name: (t, id) => this.map(t).get(id) ?? '',
      key: (id) => keys.get(id),
      authIndex: (id) => accounts.get(id) ?? '',
    };
    return found.map((r) => decodeEvent(r, lookup));
  }
}
