// The alerts API's shapes (docs/reference/http-api.md), built from the store's records. Secrets never reach these: channels only
// say whether one is set.
import type { AlertsRepository } from '@cpamp/store';

export type RuleRecord = ReturnType<AlertsRepository['listRules']>[number];
export type ChannelRecord = ReturnType<AlertsRepository['listChannels']>[number];
export type IncidentRecord = ReturnType<AlertsRepository['listIncidents']>[number];
export type DeliveryRecord = ReturnType<AlertsRepository['listDeliveries']>[number];

export interface RuleView {
  id: number;
  name: string;
  kind: string;
  enabled: boolean;
  severity: 'info' | 'warning' | 'critical';
  params: Record<string, number | string | boolean>;
  channelIds: number[];
  quietMinutes: number;
}

export interface ChannelView {
  id: number;
  name: string;
  type: 'webhook' | 'telegram' | 'sse';
  enabled: boolean;
  config: { url?: string; secretSet?: boolean; chatId?: string; botTokenSet?: boolean; apiBaseUrl?: string };
}

export interface IncidentView {
  id: number;
  ruleId: number;
  kind: string;
  subject: string;
  severity: string;
  state: 'open' | 'resolved';
  openedAtMs: number;
  lastSeenAtMs: number;
  resolvedAtMs: number | null;
  count: number;
  message: string;
}

export interface DeliveryView {
  id: number;
  incidentId: number | null;
  channelId: number;
  channelName: string;
  atMs: number;
  state: 'sent' | 'failed' | 'retrying';
  attempts: number;
  lastError: string | null;
  nextAttemptAtMs: number | null;
  test: boolean;
  /** Which notification this was (an addition to the contract). */
  event: 'opened' | 'repeated' | 'resolved' | 'test';
}

export const ruleView = (r: RuleRecord): RuleView => ({
  id: r.id,
  name: r.name,
  kind: r.kind,
  enabled: r.enabled,
  severity: r.severity,
  params: r.params,
  channelIds: r.channelIds,
  quietMinutes: r.quietMinutes,
});

export function channelView(c: ChannelRecord): ChannelView {
  const config: ChannelView['config'] = {};
  if (c.type === 'webhook') {
    config.url = c.config.url ?? '';
    config.secretSet = c.secretSet;
  } else if (c.type === 'telegram') {
    config.chatId = c.config.chatId ?? '';
    config.botTokenSet = c.secretSet;
    if (c.config.apiBaseUrl) config.apiBaseUrl = c.config.apiBaseUrl;
  }
  return { id: c.id, name: c.name, type: c.type, enabled: c.enabled, config };
}

export const incidentView = (i: IncidentRecord): IncidentView => ({
  id: i.id,
  ruleId: i.ruleId,
  kind: i.kind,
  subject: i.subject,
  severity: i.severity,
  state: i.state,
  openedAtMs: i.openedAtMs,
  lastSeenAtMs: i.lastSeenAtMs,
  resolvedAtMs: i.resolvedAtMs,
  count: i.count,
  message: i.message,
});

export const deliveryView = (d: DeliveryRecord): DeliveryView => ({
  id: d.id,
  incidentId: d.incidentId,
  channelId: d.channelId,
  channelName: d.channelName,
  atMs: d.atMs,
  state: d.state,
  attempts: d.attempts,
  lastError: d.lastError,
  nextAttemptAtMs: d.nextAttemptAtMs,
  test: d.test,
  event: d.event,
});
