import { sql, type Kysely, type Migration } from 'kysely';
import { DAY_DIMS_GROUP, closedDays, spanDeriveBeforeSql } from '../rollups/day-dims-fold';
import { HOUR_MS } from '../rollups/rollup-batch';
import { CROSS_TIERS, DAY_HIST_TABLES, dayHistFromHourSql } from '../rollups/rollup-cross';
import { HIST_SPAN_TABLES } from '../rollups/rollup-span-hist';
import { SPAN_TIERS, spanKeyCols } from '../rollups/rollup-spans';

// Daily tiers with a second dimension (issue #21, 365-day views at 10M events): UTC day × key × model and
// UTC day × account × model (× provider × status class), latency / TTFT histograms per UTC day × model (see
// rollups/rollup-cross.ts) and 8- / 64-day span blocks (rollup-spans.ts). They are deferred tiers of the fold
// group `day_dims` (rollups/day-dims-fold.ts): this migration creates them empty with the group's watermark at
// the first raw event, and the background fold fills them. Shared by both dialects: only the column types differ.

const metrics = (int: string) =>
  [
    'n',
    'failures',
    'input',
    'cache_read',
    'cache_creation',
    'output',
    'reasoning',
    'unclassified',
    'cost',
    'unpriced',
    'latency_sum',
    'last_ts',
  ]
    .map((c) => `${c} ${int} NOT NULL`)
    .join(', ');

/** The migration for one dialect: `big` / `int` are its column types, `tail` what ends a CREATE TABLE. */
export function dayDimsMigration(types: { big: string; int: string; tail: string }): Required<Migration> {
  const { big, int, tail } = types;
  const create = [
    ...CROSS_TIERS.map(
      (t) => `CREATE TABLE ${t.table} (
         ${t.lead} ${int} NOT NULL, day ${big} NOT NULL, model_id ${int} NOT NULL, provider_id ${int} NOT NULL,
         sclass ${int} NOT NULL, ${metrics(big)},
         PRIMARY KEY (${t.lead}, day, model_id, provider_id, sclass))${tail}`,
    ),
    ...Object.values(DAY_HIST_TABLES).map(
      (table) => `CREATE TABLE ${table} (
         day ${big} NOT NULL, model_id ${int} NOT NULL, bucket ${int} NOT NULL, n ${big} NOT NULL,
         PRIMARY KEY (day, model_id, bucket))${tail}`,
    ),
    // 8- and 64-day blocks of the four per-key / per-account daily tiers (rollups/rollup-spans.ts).
    ...SPAN_TIERS.map(
      (t) => `CREATE TABLE ${t.table} (
         ${spanKeyCols(t)
           .map((c) => `${c} ${c === 'day' ? big : int} NOT NULL`)
           .join(', ')}, ${metrics(big)},
         PRIMARY KEY (${spanKeyCols(t).join(', ')}))${tail}`,
    ),
    ...Object.values(HIST_SPAN_TABLES).map(
      (table) => `CREATE TABLE ${table} (
         model_id ${int} NOT NULL, span ${int} NOT NULL, day ${big} NOT NULL, bucket ${int} NOT NULL,
         n ${big} NOT NULL, PRIMARY KEY (model_id, span, day, bucket))${tail}`,
    ),
  ];
  const indexes = [
    // A model filter (the lead's filter reads the primary key; unfiltered reads do not use these tiers).
    ...CROSS_TIERS.map((t) => `CREATE INDEX ${t.table}_model ON ${t.table} (model_id, day)`),
    ...SPAN_TIERS.filter((t) => t.keyCols.indexOf('model_id') > 0).map(
      (t) => `CREATE INDEX ${t.table}_model ON ${t.table} (model_id, span, day)`,
    ),
    // Unfiltered reads of a span table (a year by account, filter options): one span's blocks in a day range.
    // Not for the cross tiers' blocks (read only under a filter, like their day rows).
    ...[
      ...SPAN_TIERS.filter((t) => t.keyCols.indexOf('model_id') <= 0).map((t) => t.table),
      ...Object.values(HIST_SPAN_TABLES),
    ].map((table) => `CREATE INDEX ${table}_span ON ${table} (span, day)`),
    // A key / account filter on the single-dimension day tiers (totals under an account filter over a year).
    'CREATE INDEX rollup_day_key_key ON rollup_day_key (key_id, day)',
    'CREATE INDEX rollup_day_account_account ON rollup_day_account (account_id, day)',
  ];
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      for (const s of [...create, ...indexes]) await sql.raw(s).execute(db);
      // The fold group starts at the first stored event's hour: the background fold takes the raw events from
      // there in day chunks (one short transaction each), so opening a big store does not wait for a backfill.
      const { rows } = await sql<{ lo: number | string | null }>`SELECT min(ts) AS lo FROM events`.execute(
        db,
      );
      const lo = rows[0]?.lo;
      const upto = lo === null || lo === undefined ? 0 : Math.floor(Number(lo) / HOUR_MS) * HOUR_MS;
      await sql`INSERT INTO rollup_fold (name, upto) VALUES (${DAY_DIMS_GROUP}, ${upto})`.execute(db);
      // Below it lies only history that outlived its raw events (retention): the day histograms from the hourly
      // ones, and the closed span blocks from the day tables (the cross tiers have nothing there, as raw reads).
      await sql.raw(dayHistFromHourSql('latency', upto / HOUR_MS)).execute(db);
      await sql.raw(dayHistFromHourSql('ttft', upto / HOUR_MS)).execute(db);
      const { rows: days } = await sql<{ lo: number | string | null }>`
        SELECT min(d) AS lo FROM (SELECT min(day) AS d FROM rollup_day UNION ALL
          SELECT min(day) FROM rollup_day_account UNION ALL SELECT min(day) FROM rollup_day_key) x`.execute(
        db,
      );
      const dLo = days[0]?.lo;
      if (dLo !== null && dLo !== undefined)
        for (const q of spanDeriveBeforeSql(Number(dLo), closedDays(upto))) await sql.raw(q).execute(db);
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await sql`DELETE FROM rollup_fold WHERE name = ${DAY_DIMS_GROUP}`.execute(db);
      await sql.raw('DROP INDEX IF EXISTS rollup_day_key_key').execute(db);
      await sql.raw('DROP INDEX IF EXISTS rollup_day_account_account').execute(db);
      for (const t of [
        ...CROSS_TIERS.map((x) => x.table),
        ...Object.values(DAY_HIST_TABLES),
        ...SPAN_TIERS.map((x) => x.table),
        ...Object.values(HIST_SPAN_TABLES),
      ].reverse())
        await sql.raw(`DROP TABLE IF EXISTS ${t}`).execute(db);
    },
  };
}

export const { up, down } = dayDimsMigration({ big: 'INTEGER', int: 'INTEGER', tail: ' WITHOUT ROWID' });
