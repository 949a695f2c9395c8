import { sql, type Kysely, type Migration } from 'kysely';
import { DAY_MS } from '../rollups/rollup-batch';
import { CROSS_TIERS, DAY_HIST_TABLES, crossFillSql, dayHistFromHourSql } from '../rollups/rollup-cross';
import { HIST_SPAN_TABLES, histSpanFillSql } from '../rollups/rollup-span-hist';
import { SPANS, SPAN_TIERS, spanFillSql, spanKeyCols } from '../rollups/rollup-spans';

// Daily tiers with a second dimension (issue #21, 365-day views at 10M events): UTC day × key × model and
// UTC day × account × model (× provider × status class), and latency / TTFT histograms per UTC day × model
// (see rollups/rollup-cross.ts). The cross tiers are backfilled from the raw events still kept (days before
// retention have none, as raw reads), one week per statement so no step holds more than a week's groups;
// the day histograms from the hourly ones. Shared by both dialects: only the column types differ.

/** Days per backfill statement. */
const CHUNK_DAYS = 7;

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
  // Built after the backfill (cheaper than maintaining them row by row while it runs).
  const indexes = [
    ...CROSS_TIERS.flatMap((t) => [
      `CREATE INDEX ${t.table}_model ON ${t.table} (model_id, day)`,
      `CREATE INDEX ${t.table}_day ON ${t.table} (day)`,
    ]),
    ...SPAN_TIERS.filter((t) => t.keyCols.indexOf('model_id') > 0).map(
      (t) => `CREATE INDEX ${t.table}_model ON ${t.table} (model_id, span, day)`,
    ),
    // Unfiltered reads of a span table (a year by account, filter options): one span's blocks in a day range.
    ...[...SPAN_TIERS.map((t) => t.table), ...Object.values(HIST_SPAN_TABLES)].map(
      (table) => `CREATE INDEX ${table}_span ON ${table} (span, day)`,
    ),
    // A key / account filter on the single-dimension day tiers (totals under an account filter over a year).
    'CREATE INDEX rollup_day_key_key ON rollup_day_key (key_id, day)',
    'CREATE INDEX rollup_day_account_account ON rollup_day_account (account_id, day)',
  ];
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      for (const s of create) await sql.raw(s).execute(db);
      const { rows } = await sql<{
        lo: number | null;
        hi: number | null;
      }>`SELECT min(ts) AS lo, max(ts) AS hi FROM events`.execute(db);
      const lo = rows[0]?.lo;
      const hi = rows[0]?.hi;
      if (lo !== null && lo !== undefined && hi !== null && hi !== undefined) {
        const step = CHUNK_DAYS * DAY_MS;
        for (let t0 = Math.floor(Number(lo) / DAY_MS) * DAY_MS; t0 <= Number(hi); t0 += step)
          for (const t of CROSS_TIERS) await sql.raw(crossFillSql(t, t0, t0 + step)).execute(db);
      }
      await sql.raw(dayHistFromHourSql('latency')).execute(db);
      await sql.raw(dayHistFromHourSql('ttft')).execute(db);
      // Span blocks from the daily tiers (which outlive raw events), 64 days per statement.
      const { rows: days } = await sql<{ lo: number | null; hi: number | null }>`
        SELECT min(d) AS lo, max(d) AS hi FROM (SELECT min(day) AS d FROM rollup_day UNION ALL
          SELECT max(day) FROM rollup_day UNION ALL SELECT min(day) FROM rollup_day_account UNION ALL
          SELECT max(day) FROM rollup_day_account) x`.execute(db);
      const dLo = days[0]?.lo;
      const dHi = days[0]?.hi;
      if (dLo !== null && dLo !== undefined && dHi !== null && dHi !== undefined) {
        const big = SPANS[0];
        for (let d0 = Math.floor(Number(dLo) / big) * big; d0 <= Number(dHi); d0 += big)
          for (const t of SPAN_TIERS)
            for (const span of SPANS) await sql.raw(spanFillSql(t, span, d0, d0 + big)).execute(db);
        for (let d0 = Math.floor(Number(dLo) / big) * big; d0 <= Number(dHi); d0 += big)
          for (const metric of ['latency', 'ttft'] as const)
            for (const span of SPANS) await sql.raw(histSpanFillSql(metric, span, d0, d0 + big)).execute(db);
      }
      for (const s of indexes) await sql.raw(s).execute(db);
    },
    async down(db: Kysely<unknown>): Promise<void> {
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
