import type pg from 'pg';

/**
 * Every row of each table in a Postgres schema, as JSON arrays, sorted here: an ORDER BY over the first columns is not
 * a total order for the wider keys. For comparing the tiers a migration rebuilds with those written from the start.
 */
export async function dumpTables(
  client: pg.Client,
  schema: string,
  tables: readonly string[],
): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const t of tables)
    out[t] = (await client.query({ text: `SELECT * FROM "${schema}".${t}`, rowMode: 'array' })).rows
      .map((r) => JSON.stringify(r))
      .sort();
  return out;
}
