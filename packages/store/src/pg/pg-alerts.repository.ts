// Alert rules, channels, incidents and the delivery log on Postgres: the same behaviour as SQLite's
// alerts repository. Channel secrets are sealed with the store's data key by the same helpers, so a
// secret written by one dialect reads back on the other (and on every instance sharing the key).
import { sql, type RawBuilder } from 'kysely';
import {
  channelOf,
  clampLimit,
  deliveryOf,
  incidentOf,
  ruleColumns,
  ruleOf,
  DEFAULT_MAX_DELIVERIES,
  DEFAULT_MAX_RESOLVED,
  PRUNE_EVERY,
  type ChannelRow,
  type DeliveryRow,
  type IncidentRow,
  type RuleRow,
} from '../alerts/alert-rows';
import type { AlertRuleInput } from '../alerts/alerts.types';
import { decryptSecret, encryptSecret } from '../crypto/data-key';
import { StoreError } from '../errors';
import type { AlertsRepository } from '../repositories';
import { rows, type PgDb, type PgExec } from './pg-connection';
import { whole } from './pg-pool-db';

export function createPgAlertsRepository(deps: {
  db: PgDb;
  now: () => number;
  /** The store's 32-byte data key (AES-256-GCM for secrets at rest). */
  dataKey: Buffer;
  assertOpen: () => void;
}): AlertsRepository {
  const { db, now, dataKey, assertOpen } = deps;
  const q = async <R>(query: RawBuilder<R>, exec: PgExec = db): Promise<R[]> => {
    assertOpen();
    return rows(exec, query);
  };
  const write = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (cause) {
      if (cause instanceof StoreError) throw cause;
      throw new StoreError('write_failed', `Writing ${what} to the alerts tables failed: ${(cause as Error).message}`, { cause });
    }
  };
  const encrypt = (secret: string | null | undefined, previous: string | null): string | null => {
    if (secret === undefined) return previous;
    if (secret === null || secret === '') return null;
    return encryptSecret(dataKey, secret);
  };
  const updateRule = (id: number, r: AlertRuleInput, exec: PgExec) => {
    const c = ruleColumns(r);
    return q(
      sql<RuleRow>`UPDATE alert_rule SET name = ${c.name}, kind = ${c.kind}, enabled = ${c.enabled},
        severity = ${c.severity}, params = ${c.params}, channel_ids = ${c.channel_ids},
        quiet_minutes = ${c.quiet_minutes}, updated_ms = ${now()} WHERE id = ${id} RETURNING *`,
      exec,
    );
  };
  const one = async <R, T>(query: RawBuilder<R>, map: (r: R) => T): Promise<T | null> => {
    const [r] = await q(query);
    return r ? map(r) : null;
  };
  // No rules cache (SQLite keeps one): another instance on the same database may change the rules.
  let insertedSincePrune = 0;

  const repo: AlertsRepository = {
    listRules: async () => (await q(sql<RuleRow>`SELECT * FROM alert_rule ORDER BY id DESC`)).map(ruleOf),
    getRule: (id) => one(sql<RuleRow>`SELECT * FROM alert_rule WHERE id = ${id}`, ruleOf),
    async createRule(input) {
      const c = ruleColumns(input);
      const t = now();
      const [r] = await write('an alert rule', () =>
        q(
          sql<RuleRow>`INSERT INTO alert_rule (name, kind, enabled, severity, params, channel_ids, quiet_minutes, created_ms, updated_ms)
            VALUES (${c.name}, ${c.kind}, ${c.enabled}, ${c.severity}, ${c.params}, ${c.channel_ids}, ${c.quiet_minutes}, ${t}, ${t})
            RETURNING *`,
        ),
      );
      return ruleOf(r as RuleRow);
    },
    async updateRule(id, patch) {
      const cur = await repo.getRule(id);
      if (!cur) return null;
      const [r] = await write('an alert rule', () => updateRule(id, { ...cur, ...patch }, db));
      return r ? ruleOf(r) : null;
    },
    deleteRule: (id) =>
      write('an alert rule deletion', () =>
        db.transaction().execute(async (trx) => {
          await q(sql`UPDATE alert_incident SET state = 'resolved', resolved_ms = ${now()} WHERE rule_id = ${id} AND state = 'open'`, trx);
          return (await q(sql<{ id: number }>`DELETE FROM alert_rule WHERE id = ${id} RETURNING id`, trx)).length > 0;
        }),
      ),

    listChannels: async () => (await q(sql<ChannelRow>`SELECT * FROM alert_channel ORDER BY id DESC`)).map(channelOf),
    getChannel: (id) => one(sql<ChannelRow>`SELECT * FROM alert_channel WHERE id = ${id}`, channelOf),
    async createChannel(input) {
      const t = now();
      const [r] = await write('an alert channel', () =>
        q(
          sql<ChannelRow>`INSERT INTO alert_channel (name, type, enabled, config, secret_enc, created_ms, updated_ms)
            VALUES (${input.name}, ${input.type}, ${input.enabled}, ${JSON.stringify(input.config)},
              ${encrypt(input.secret, null)}, ${t}, ${t})
            RETURNING *`,
        ),
      );
      return channelOf(r as ChannelRow);
    },
    async updateChannel(id, patch) {
      const [row] = await q(sql<ChannelRow>`SELECT * FROM alert_channel WHERE id = ${id}`);
      if (!row) return null;
      const cur = channelOf(row);
      const [r] = await write('an alert channel', () =>
        q(
          sql<ChannelRow>`UPDATE alert_channel SET name = ${patch.name ?? cur.name}, type = ${patch.type ?? cur.type},
            enabled = ${patch.enabled ?? cur.enabled}, config = ${JSON.stringify(patch.config ?? cur.config)},
            secret_enc = ${encrypt(patch.secret, row.secret_enc)}, updated_ms = ${now()}
            WHERE id = ${id} RETURNING *`,
        ),
      );
      return r ? channelOf(r) : null;
    },
    deleteChannel: (id) =>
      write('an alert channel deletion', () =>
        db.transaction().execute(async (trx) => {
          if ((await q(sql<{ id: number }>`DELETE FROM alert_channel WHERE id = ${id} RETURNING id`, trx)).length === 0)
            return false;
          await q(
            sql`UPDATE alert_delivery SET state = 'failed', next_attempt_ms = NULL,
              last_error = 'the channel was deleted before the delivery succeeded'
              WHERE channel_id = ${id} AND state = 'retrying'`,
            trx,
          );
          // FOR UPDATE: a rule edited meanwhile by another instance keeps its edit and loses the channel.
          for (const r of await q(sql<RuleRow>`SELECT * FROM alert_rule ORDER BY id DESC FOR UPDATE`, trx)) {
            const ids = JSON.parse(r.channel_ids) as number[];
            if (ids.includes(id)) await updateRule(r.id, { ...ruleOf(r), channelIds: ids.filter((c) => c !== id) }, trx);
          }
          return true;
        }),
      ),
    async channelSecret(id) {
      const [r] = await q(sql<{ secret_enc: string | null }>`SELECT secret_enc FROM alert_channel WHERE id = ${id}`);
      return r?.secret_enc ? decryptSecret(dataKey, r.secret_enc) : null;
    },

    async openIncident(input) {
      const [r] = await write('an alert incident', () =>
        q(
          sql<IncidentRow>`INSERT INTO alert_incident (rule_id, kind, subject, severity, state, opened_ms, last_seen_ms,
              resolved_ms, count, message, last_notified_ms)
            VALUES (${input.ruleId}, ${input.kind}, ${input.subject}, ${input.severity}, 'open', ${whole(input.atMs)},
              ${whole(input.atMs)}, NULL, 1, ${input.message}, ${whole(input.atMs)})
            RETURNING *`,
        ),
      );
      return incidentOf(r as IncidentRow);
    },
    findOpenIncident: (ruleId, subject) =>
      one(
        sql<IncidentRow>`SELECT * FROM alert_incident WHERE rule_id = ${ruleId} AND subject = ${subject} AND state = 'open'`,
        incidentOf,
      ),
    async openIncidents(filter = {}) {
      // As on SQLite, a subject without a kind filters nothing.
      const where: RawBuilder<unknown>[] = [sql`state = 'open'`];
      if (filter.kind !== undefined) {
        where.push(sql`kind = ${filter.kind}`);
        if (filter.subject !== undefined) where.push(sql`subject = ${filter.subject}`);
      }
      const found = await q(sql<IncidentRow>`SELECT * FROM alert_incident WHERE ${sql.join(where, sql` AND `)} ORDER BY id DESC`);
      return found.map(incidentOf).filter((i) => filter.subject === undefined || i.subject === filter.subject);
    },
    async touchIncident(id, atMs, message, notified) {
      const at = whole(atMs);
      await write('an alert incident', () =>
        q(
          sql`UPDATE alert_incident SET count = count + 1, last_seen_ms = ${at}, message = ${message},
            last_notified_ms = CASE WHEN ${notified} THEN ${at}::bigint ELSE last_notified_ms END
            WHERE id = ${id} AND state = 'open'`,
        ),
      );
      return repo.getIncident(id);
    },
    async markNotified(id, atMs) {
      await write('an alert incident', () =>
        q(sql`UPDATE alert_incident SET last_notified_ms = ${whole(atMs)} WHERE id = ${id}`),
      );
    },
    async resolveIncident(id, atMs) {
      await write('an alert incident', () =>
        q(sql`UPDATE alert_incident SET state = 'resolved', resolved_ms = ${whole(atMs)} WHERE id = ${id} AND state = 'open'`),
      );
      return repo.getIncident(id);
    },
    getIncident: (id) => one(sql<IncidentRow>`SELECT * FROM alert_incident WHERE id = ${id}`, incidentOf),
    async listIncidents(opts = {}) {
      const limit = clampLimit(opts.limit, 100);
      return (
        await q(
          opts.state
            ? sql<IncidentRow>`SELECT * FROM alert_incident WHERE state = ${opts.state} ORDER BY id DESC LIMIT ${limit}`
            : sql<IncidentRow>`SELECT * FROM alert_incident ORDER BY id DESC LIMIT ${limit}`,
        )
      ).map(incidentOf);
    },

    async insertDelivery(input) {
      const [r] = await write('an alert delivery', () =>
        q(
          sql<DeliveryRow>`INSERT INTO alert_delivery (incident_id, channel_id, channel_name, at_ms, state, attempts,
              last_error, next_attempt_ms, test, event, payload)
            VALUES (${input.incidentId}, ${input.channelId}, ${input.channelName}, ${now()}, ${input.state},
              ${input.attempts}, ${input.lastError}, ${whole(input.nextAttemptAtMs)}, ${input.test}, ${input.event},
              ${input.payload})
            RETURNING *`,
        ),
      );
      insertedSincePrune += 1;
      if (insertedSincePrune >= PRUNE_EVERY) {
        insertedSincePrune = 0;
        await repo.prune();
      }
      return deliveryOf(r as DeliveryRow);
    },
    async updateDelivery(id, u) {
      const [r] = await write('an alert delivery', () =>
        q(
          sql<DeliveryRow>`UPDATE alert_delivery SET state = ${u.state}, attempts = ${u.attempts},
            last_error = ${u.lastError}, next_attempt_ms = ${whole(u.nextAttemptAtMs)} WHERE id = ${id} RETURNING *`,
        ),
      );
      return r ? deliveryOf(r) : null;
    },
    getDelivery: (id) => one(sql<DeliveryRow>`SELECT * FROM alert_delivery WHERE id = ${id}`, deliveryOf),
    async listDeliveries(opts = {}) {
      const limit = clampLimit(opts.limit, 100);
      return (
        await q(
          opts.channelId === undefined
            ? sql<DeliveryRow>`SELECT * FROM alert_delivery ORDER BY id DESC LIMIT ${limit}`
            : sql<DeliveryRow>`SELECT * FROM alert_delivery WHERE channel_id = ${opts.channelId} ORDER BY id DESC LIMIT ${limit}`,
        )
      ).map(deliveryOf);
    },
    async dueDeliveries(nowMs, limit = 50) {
      return (
        await q(
          sql<DeliveryRow>`SELECT * FROM alert_delivery WHERE state = 'retrying' AND next_attempt_ms <= ${whole(nowMs)}
            ORDER BY next_attempt_ms, id LIMIT ${limit}`,
        )
      ).map(deliveryOf);
    },
    async prune(opts = {}) {
      const maxD = Math.max(1, opts.maxDeliveries ?? DEFAULT_MAX_DELIVERIES);
      const maxI = Math.max(1, opts.maxResolvedIncidents ?? DEFAULT_MAX_RESOLVED);
      assertOpen();
      return write('an alerts prune', async () => {
        const d = await sql`DELETE FROM alert_delivery WHERE state <> 'retrying'
          AND id <= (SELECT id FROM alert_delivery ORDER BY id DESC LIMIT 1 OFFSET ${maxD})`.execute(db);
        const i = await sql`DELETE FROM alert_incident WHERE state = 'resolved'
          AND id <= (SELECT id FROM alert_incident WHERE state = 'resolved' ORDER BY id DESC LIMIT 1 OFFSET ${maxI})`.execute(db);
        return { deliveries: Number(d.numAffectedRows ?? 0), incidents: Number(i.numAffectedRows ?? 0) };
      });
    },
  };
  return repo;
}
