import { sql, type Kysely, type Migration } from 'kysely';

/**
 * A migration of plain DDL, for either dialect: `up` runs the statements in order, `down` drops the
 * tables it created (listed in creation order; dropped newest first).
 */
export function ddlMigration(statements: readonly string[], tables: readonly string[]): Required<Migration> {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      for (const s of statements) await sql.raw(s).execute(db);
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const t of [...tables].reverse()) await sql.raw(`DROP TABLE IF EXISTS ${t}`).execute(db);
    },
  };
}

/** The tables of the initial schema, in creation order (the same in both dialects). */
export const INITIAL_TABLES = [
  'model',
  'provider',
  'endpoint',
  'client_ip',
  'user_agent',
  'label',
  'api_key',
  'account',
  'events',
  'event_extra',
  'rollup_hour',
  'rollup_hour_latency',
  'rollup_day_key',
  'rollup_day_account',
  'settings',
  'model_price',
  'price_version',
] as const;
