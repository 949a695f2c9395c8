// Row shapes of the alert tables and their mapping to records: the same columns in both dialects
// (SQLite keeps flags as 0/1, Postgres as boolean).
import type {
  AlertChannelConfig,
  AlertChannelRecord,
  AlertChannelType,
  AlertDeliveryRecord,
  AlertIncidentRecord,
  AlertIncidentState,
  AlertRuleInput,
  AlertRuleRecord,
  AlertSeverityLevel,
} from './alerts.types';

const flag = (v: unknown): boolean => v === 1 || v === true;

export interface RuleRow {
  id: number;
  name: string;
  kind: string;
  enabled: number | boolean;
  severity: string;
  params: string;
  channel_ids: string;
  quiet_minutes: number;
  created_ms: number;
  updated_ms: number;
}
export interface ChannelRow {
  id: number;
  name: string;
  type: string;
  enabled: number | boolean;
  config: string;
  secret_enc: string | null;
  created_ms: number;
  updated_ms: number;
}
export interface IncidentRow {
  id: number;
  rule_id: number;
  kind: string;
  subject: string;
  severity: string;
  state: string;
  opened_ms: number;
  last_seen_ms: number;
  resolved_ms: number | null;
  count: number;
  message: string;
  last_notified_ms: number | null;
}
export interface DeliveryRow {
  id: number;
  incident_id: number | null;
  channel_id: number;
  channel_name: string;
  at_ms: number;
  state: string;
  attempts: number;
  last_error: string | null;
  next_attempt_ms: number | null;
  test: number | boolean;
  event: string;
  payload: string;
}

export const DEFAULT_MAX_DELIVERIES = 5_000;
export const DEFAULT_MAX_RESOLVED = 5_000;
/** Prune the log every this many inserted deliveries, so history stays bounded without a scheduler. */
export const PRUNE_EVERY = 200;

export const ruleOf = (r: RuleRow): AlertRuleRecord => ({
  id: r.id,
  name: r.name,
  kind: r.kind,
  enabled: flag(r.enabled),
  severity: r.severity as AlertSeverityLevel,
  params: JSON.parse(r.params) as AlertRuleRecord['params'],
  channelIds: JSON.parse(r.channel_ids) as number[],
  quietMinutes: r.quiet_minutes,
  createdAtMs: r.created_ms,
  updatedAtMs: r.updated_ms,
});
export const channelOf = (r: ChannelRow): AlertChannelRecord => ({
  id: r.id,
  name: r.name,
  type: r.type as AlertChannelType,
  enabled: flag(r.enabled),
  config: JSON.parse(r.config) as AlertChannelConfig,
  secretSet: r.secret_enc !== null,
  createdAtMs: r.created_ms,
  updatedAtMs: r.updated_ms,
});
export const incidentOf = (r: IncidentRow): AlertIncidentRecord => ({
  id: r.id,
  ruleId: r.rule_id,
  kind: r.kind,
  subject: r.subject,
  severity: r.severity,
  state: r.state as AlertIncidentState,
  openedAtMs: r.opened_ms,
  lastSeenAtMs: r.last_seen_ms,
  resolvedAtMs: r.resolved_ms,
  count: r.count,
  message: r.message,
  lastNotifiedAtMs: r.last_notified_ms,
});
export const deliveryOf = (r: DeliveryRow): AlertDeliveryRecord => ({
  id: r.id,
  incidentId: r.incident_id,
  channelId: r.channel_id,
  channelName: r.channel_name,
  atMs: r.at_ms,
  state: r.state as AlertDeliveryRecord['state'],
  attempts: r.attempts,
  lastError: r.last_error,
  nextAttemptAtMs: r.next_attempt_ms,
  test: flag(r.test),
  event: r.event as AlertDeliveryRecord['event'],
  payload: r.payload,
});

export const clampLimit = (limit: number | undefined, dflt: number) =>
  Math.max(1, Math.min(1000, Math.floor(limit ?? dflt)));

/** A rule's columns as both dialects write them (channel ids de-duplicated, quiet minutes whole). */
export const ruleColumns = (r: AlertRuleInput) => ({
  name: r.name,
  kind: r.kind,
  enabled: r.enabled,
  severity: r.severity,
  params: JSON.stringify(r.params),
  channel_ids: JSON.stringify([...new Set(r.channelIds)]),
  quiet_minutes: Math.max(0, Math.floor(r.quietMinutes)),
});
