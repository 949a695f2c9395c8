import type Database from 'better-sqlite3';
import { decryptSecret, encryptSecret } from '../crypto/data-key';
import { StoreError } from '../errors';
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
} from './alert-rows';
import type {
  AlertChannelInput,
  AlertChannelRecord,
  AlertDeliveryInput,
  AlertDeliveryRecord,
  AlertDeliveryUpdate,
  AlertIncidentRecord,
  AlertIncidentState,
  AlertRuleInput,
  AlertRuleRecord,
} from './alerts.types';

/** Alert rules, channels, incidents (de-duplication and quiet periods) and the delivery log. */
export interface AlertsRepository {
  listRules(): AlertRuleRecord[];
  getRule(id: number): AlertRuleRecord | null;
  createRule(input: AlertRuleInput): AlertRuleRecord;
  /** Null when the rule does not exist. */
  updateRule(id: number, patch: Partial<AlertRuleInput>): AlertRuleRecord | null;
  /** Deletes the rule; its open incidents are closed (history is kept). */
  deleteRule(id: number): boolean;

  listChannels(): AlertChannelRecord[];
  getChannel(id: number): AlertChannelRecord | null;
  createChannel(input: AlertChannelInput): AlertChannelRecord;
  updateChannel(id: number, patch: Partial<AlertChannelInput>): AlertChannelRecord | null;
  /** Deletes the channel, removes it from every rule and fails its pending retries. */
  deleteChannel(id: number): boolean;
  /** The decrypted secret (webhook HMAC secret or Telegram bot token); null when none or undecryptable. */
  channelSecret(id: number): string | null;

  /** Opens an incident; opening counts as notifying (lastNotifiedAtMs = atMs). */
  openIncident(input: {
    ruleId: number;
    kind: string;
    subject: string;
    severity: string;
    message: string;
    atMs: number;
  }): AlertIncidentRecord;
  findOpenIncident(ruleId: number, subject: string): AlertIncidentRecord | null;
  /** Open incidents, optionally of one kind and subject. */
  openIncidents(filter?: { kind?: string; subject?: string }): AlertIncidentRecord[];
  /** Another sighting of an open incident: count + 1, lastSeen, message; `notified` moves lastNotifiedAtMs. */
  touchIncident(id: number, atMs: number, message: string, notified: boolean): AlertIncidentRecord | null;
  markNotified(id: number, atMs: number): void;
  resolveIncident(id: number, atMs: number): AlertIncidentRecord | null;
  getIncident(id: number): AlertIncidentRecord | null;
  listIncidents(opts?: { state?: AlertIncidentState; limit?: number }): AlertIncidentRecord[];

  insertDelivery(input: AlertDeliveryInput): AlertDeliveryRecord;
  updateDelivery(id: number, update: AlertDeliveryUpdate): AlertDeliveryRecord | null;
  getDelivery(id: number): AlertDeliveryRecord | null;
  listDeliveries(opts?: { limit?: number; channelId?: number }): AlertDeliveryRecord[];
  /** Deliveries in state 'retrying' whose next attempt is due at `nowMs`, oldest first. */
  dueDeliveries(nowMs: number, limit?: number): AlertDeliveryRecord[];
  /** Keeps the newest `maxDeliveries` deliveries and `maxResolvedIncidents` resolved incidents. */
  prune(opts?: { maxDeliveries?: number; maxResolvedIncidents?: number }): { deliveries: number; incidents: number };
}

export interface AlertsRepositoryDeps {
  writer: Database.Database;
  reader: () => Database.Database;
  now: () => number;
  /** The store's 32-byte data key (AES-256-GCM for secrets at rest). */
  dataKey: Buffer;
}

export function createAlertsRepository(deps: AlertsRepositoryDeps): AlertsRepository {
  const { writer: db, now, dataKey } = deps;
  // Alert tables are tiny and written by the same process: reads go to the writer so a rule created a
  // moment ago is always seen (the WAL reader may lag one transaction).
  const s = {
    rules: db.prepare<[], RuleRow>('SELECT * FROM alert_rule ORDER BY id DESC'),
    rule: db.prepare<[number], RuleRow>('SELECT * FROM alert_rule WHERE id = ?'),
    insRule: db.prepare(
      `INSERT INTO alert_rule(name, kind, enabled, severity, params, channel_ids, quiet_minutes, created_ms, updated_ms)
       VALUES (@name, @kind, @enabled, @severity, @params, @channel_ids, @quiet_minutes, @now, @now)`,
    ),
    updRule: db.prepare(
      `UPDATE alert_rule SET name = @name, kind = @kind, enabled = @enabled, severity = @severity, params = @params,
       channel_ids = @channel_ids, quiet_minutes = @quiet_minutes, updated_ms = @now WHERE id = @id`,
    ),
    delRule: db.prepare('DELETE FROM alert_rule WHERE id = ?'),
    closeRuleIncidents: db.prepare(
      `UPDATE alert_incident SET state = 'resolved', resolved_ms = ? WHERE rule_id = ? AND state = 'open'`,
    ),
    channels: db.prepare<[], ChannelRow>('SELECT * FROM alert_channel ORDER BY id DESC'),
    channel: db.prepare<[number], ChannelRow>('SELECT * FROM alert_channel WHERE id = ?'),
    insChannel: db.prepare(
      `INSERT INTO alert_channel(name, type, enabled, config, secret_enc, created_ms, updated_ms)
       VALUES (@name, @type, @enabled, @config, @secret_enc, @now, @now)`,
    ),
    updChannel: db.prepare(
      `UPDATE alert_channel SET name = @name, type = @type, enabled = @enabled, config = @config,
       secret_enc = @secret_enc, updated_ms = @now WHERE id = @id`,
    ),
    delChannel: db.prepare('DELETE FROM alert_channel WHERE id = ?'),
    failChannelRetries: db.prepare(
      `UPDATE alert_delivery SET state = 'failed', next_attempt_ms = NULL,
       last_error = 'the channel was deleted before the delivery succeeded'
       WHERE channel_id = ? AND state = 'retrying'`,
    ),
    insIncident: db.prepare(
      `INSERT INTO alert_incident(rule_id, kind, subject, severity, state, opened_ms, last_seen_ms, resolved_ms,
       count, message, last_notified_ms) VALUES (@rule_id, @kind, @subject, @severity, 'open', @at, @at, NULL, 1, @message, @at)`,
    ),
    incident: db.prepare<[number], IncidentRow>('SELECT * FROM alert_incident WHERE id = ?'),
    openIncident: db.prepare<[number, string], IncidentRow>(
      `SELECT * FROM alert_incident WHERE rule_id = ? AND subject = ? AND state = 'open'`,
    ),
    openAll: db.prepare<[], IncidentRow>(`SELECT * FROM alert_incident WHERE state = 'open' ORDER BY id DESC`),
    openByKind: db.prepare<[string], IncidentRow>(
      `SELECT * FROM alert_incident WHERE state = 'open' AND kind = ? ORDER BY id DESC`,
    ),
    openByKindSubject: db.prepare<[string, string], IncidentRow>(
      `SELECT * FROM alert_incident WHERE state = 'open' AND kind = ? AND subject = ? ORDER BY id DESC`,
    ),
    touch: db.prepare(
      `UPDATE alert_incident SET count = count + 1, last_seen_ms = @at, message = @message,
       last_notified_ms = CASE WHEN @notified = 1 THEN @at ELSE last_notified_ms END
       WHERE id = @id AND state = 'open'`,
    ),
    notified: db.prepare('UPDATE alert_incident SET last_notified_ms = ? WHERE id = ?'),
    resolve: db.prepare(
      `UPDATE alert_incident SET state = 'resolved', resolved_ms = ? WHERE id = ? AND state = 'open'`,
    ),
    incidentsAll: db.prepare<[number], IncidentRow>('SELECT * FROM alert_incident ORDER BY id DESC LIMIT ?'),
    incidentsByState: db.prepare<[string, number], IncidentRow>(
      'SELECT * FROM alert_incident WHERE state = ? ORDER BY id DESC LIMIT ?',
    ),
    insDelivery: db.prepare(
      `INSERT INTO alert_delivery(incident_id, channel_id, channel_name, at_ms, state, attempts, last_error,
       next_attempt_ms, test, event, payload) VALUES (@incident_id, @channel_id, @channel_name, @at, @state, @attempts,
       @last_error, @next_attempt_ms, @test, @event, @payload)`,
    ),
    updDelivery: db.prepare(
      `UPDATE alert_delivery SET state = @state, attempts = @attempts, last_error = @last_error,
       next_attempt_ms = @next_attempt_ms WHERE id = @id`,
    ),
    delivery: db.prepare<[number], DeliveryRow>('SELECT * FROM alert_delivery WHERE id = ?'),
    deliveries: db.prepare<[number], DeliveryRow>('SELECT * FROM alert_delivery ORDER BY id DESC LIMIT ?'),
    deliveriesByChannel: db.prepare<[number, number], DeliveryRow>(
      'SELECT * FROM alert_delivery WHERE channel_id = ? ORDER BY id DESC LIMIT ?',
    ),
    due: db.prepare<[number, number], DeliveryRow>(
      `SELECT * FROM alert_delivery WHERE state = 'retrying' AND next_attempt_ms <= ? ORDER BY next_attempt_ms, id LIMIT ?`,
    ),
    pruneDeliveries: db.prepare(
      `DELETE FROM alert_delivery WHERE state != 'retrying' AND id <= (SELECT id FROM alert_delivery ORDER BY id DESC LIMIT 1 OFFSET ?)`,
    ),
    pruneIncidents: db.prepare(
      `DELETE FROM alert_incident WHERE state = 'resolved' AND id <= (SELECT id FROM alert_incident WHERE state = 'resolved' ORDER BY id DESC LIMIT 1 OFFSET ?)`,
    ),
  };
  let insertedSincePrune = 0;
  // Every signal reads the rules: keep them parsed until a rule (or a channel deletion) changes them.
  let rulesCache: AlertRuleRecord[] | null = null;

  const encrypt = (secret: string | null | undefined, previous: string | null): string | null => {
    if (secret === undefined) return previous;
    if (secret === null || secret === '') return null;
    return encryptSecret(dataKey, secret);
  };
  const ruleParams = (r: AlertRuleInput, id?: number) => {
    const c = ruleColumns(r);
    return { ...(id === undefined ? {} : { id }), ...c, enabled: c.enabled ? 1 : 0, now: now() };
  };
  const write = <T>(what: string, fn: () => T): T => {
    try {
      return fn();
    } catch (cause) {
      throw new StoreError('write_failed', `Writing ${what} to the alerts tables failed: ${(cause as Error).message}`, { cause });
    }
  };

  const repo: AlertsRepository = {
    listRules: () => (rulesCache ??= s.rules.all().map(ruleOf)).map((r) => ({ ...r, params: { ...r.params }, channelIds: [...r.channelIds] })),
    getRule(id) {
      const r = s.rule.get(id);
      return r ? ruleOf(r) : null;
    },
    createRule(input) {
      rulesCache = null;
      const info = write('an alert rule', () => s.insRule.run(ruleParams(input)));
      return repo.getRule(Number(info.lastInsertRowid)) as AlertRuleRecord;
    },
    updateRule(id, patch) {
      const cur = repo.getRule(id);
      if (!cur) return null;
      rulesCache = null;
      write('an alert rule', () => s.updRule.run(ruleParams({ ...cur, ...patch }, id)));
      return repo.getRule(id);
    },
    deleteRule(id) {
      rulesCache = null;
      return write('an alert rule deletion', () =>
        db.transaction(() => {
          s.closeRuleIncidents.run(now(), id);
          return s.delRule.run(id).changes > 0;
        })(),
      );
    },

    listChannels: () => s.channels.all().map(channelOf),
    getChannel(id) {
      const r = s.channel.get(id);
      return r ? channelOf(r) : null;
    },
    createChannel(input) {
      const info = write('an alert channel', () =>
        s.insChannel.run({
          name: input.name,
          type: input.type,
          enabled: input.enabled ? 1 : 0,
          config: JSON.stringify(input.config),
          secret_enc: encrypt(input.secret, null),
          now: now(),
        }),
      );
      return repo.getChannel(Number(info.lastInsertRowid)) as AlertChannelRecord;
    },
    updateChannel(id, patch) {
      const row = s.channel.get(id);
      if (!row) return null;
      const cur = channelOf(row);
      write('an alert channel', () =>
        s.updChannel.run({
          id,
          name: patch.name ?? cur.name,
          type: patch.type ?? cur.type,
          enabled: (patch.enabled ?? cur.enabled) ? 1 : 0,
          config: JSON.stringify(patch.config ?? cur.config),
          secret_enc: encrypt(patch.secret, row.secret_enc),
          now: now(),
        }),
      );
      return repo.getChannel(id);
    },
    deleteChannel(id) {
      rulesCache = null;
      return write('an alert channel deletion', () =>
        db.transaction(() => {
          if (s.delChannel.run(id).changes === 0) return false;
          s.failChannelRetries.run(id);
          for (const r of s.rules.all()) {
            const ids = JSON.parse(r.channel_ids) as number[];
            if (ids.includes(id))
              s.updRule.run(ruleParams({ ...ruleOf(r), channelIds: ids.filter((c) => c !== id) }, r.id));
          }
          return true;
        })(),
      );
    },
    channelSecret(id) {
      const enc = s.channel.get(id)?.secret_enc;
      return enc ? decryptSecret(dataKey, enc) : null;
    },

    openIncident(input) {
      const info = write('an alert incident', () =>
        s.insIncident.run({
          rule_id: input.ruleId,
          kind: input.kind,
          subject: input.subject,
          severity: input.severity,
          message: input.message,
          at: input.atMs,
        }),
      );
      return repo.getIncident(Number(info.lastInsertRowid)) as AlertIncidentRecord;
    },
    findOpenIncident(ruleId, subject) {
      const r = s.openIncident.get(ruleId, subject);
      return r ? incidentOf(r) : null;
    },
    openIncidents(filter = {}) {
      const rows =
        filter.kind === undefined
          ? s.openAll.all()
          : filter.subject === undefined
            ? s.openByKind.all(filter.kind)
            : s.openByKindSubject.all(filter.kind, filter.subject);
      return rows.map(incidentOf).filter((i) => filter.subject === undefined || i.subject === filter.subject);
    },
    touchIncident(id, atMs, message, notified) {
      write('an alert incident', () => s.touch.run({ id, at: atMs, message, notified: notified ? 1 : 0 }));
      return repo.getIncident(id);
    },
    markNotified(id, atMs) {
      write('an alert incident', () => s.notified.run(atMs, id));
    },
    resolveIncident(id, atMs) {
      write('an alert incident', () => s.resolve.run(atMs, id));
      return repo.getIncident(id);
    },
    getIncident(id) {
      const r = s.incident.get(id);
      return r ? incidentOf(r) : null;
    },
    listIncidents(opts = {}) {
      const limit = clampLimit(opts.limit, 100);
      const rows = opts.state ? s.incidentsByState.all(opts.state, limit) : s.incidentsAll.all(limit);
      return rows.map(incidentOf);
    },

    insertDelivery(input) {
      const info = write('an alert delivery', () =>
        s.insDelivery.run({
          incident_id: input.incidentId,
          channel_id: input.channelId,
          channel_name: input.channelName,
          at: now(),
          state: input.state,
          attempts: input.attempts,
          last_error: input.lastError,
          next_attempt_ms: input.nextAttemptAtMs,
          test: input.test ? 1 : 0,
          event: input.event,
          payload: input.payload,
        }),
      );
      insertedSincePrune += 1;
      if (insertedSincePrune >= PRUNE_EVERY) {
        insertedSincePrune = 0;
        repo.prune();
      }
      return repo.getDelivery(Number(info.lastInsertRowid)) as AlertDeliveryRecord;
    },
    updateDelivery(id, u) {
      write('an alert delivery', () =>
        s.updDelivery.run({
          id,
          state: u.state,
          attempts: u.attempts,
          last_error: u.lastError,
          next_attempt_ms: u.nextAttemptAtMs,
        }),
      );
      return repo.getDelivery(id);
    },
    getDelivery(id) {
      const r = s.delivery.get(id);
      return r ? deliveryOf(r) : null;
    },
    listDeliveries(opts = {}) {
      const limit = clampLimit(opts.limit, 100);
      const rows =
        opts.channelId === undefined ? s.deliveries.all(limit) : s.deliveriesByChannel.all(opts.channelId, limit);
      return rows.map(deliveryOf);
    },
    dueDeliveries(nowMs, limit = 50) {
      return s.due.all(nowMs, limit).map(deliveryOf);
    },
    prune(opts = {}) {
      const maxD = Math.max(1, opts.maxDeliveries ?? DEFAULT_MAX_DELIVERIES);
      const maxI = Math.max(1, opts.maxResolvedIncidents ?? DEFAULT_MAX_RESOLVED);
      return write('an alerts prune', () => ({
        deliveries: s.pruneDeliveries.run(maxD).changes,
        incidents: s.pruneIncidents.run(maxI).changes,
      }));
    },
  };
  return repo;
}
