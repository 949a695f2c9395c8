import { z } from 'zod';
import type { ManagerClient } from './manager-client';
import type { SignalOptions as Opts } from './management-client';

// The cpamp server's alerts API (/v0/management/alerts/*, docs/reference/http-api.md). Secrets (webhook `secret`, Telegram
// `botToken`) are write-only: the server answers `secretSet` / `botTokenSet` instead.

export const ALERT_KINDS = [
  'quota-low',
  'pool-exhaustion-forecast',
  'account-auth-issue',
  'cooldown-entered',
  'cooldown-recovered',
  'error-rate-spike',
  'spend-threshold',
  'collector-stalled',
  'collector-gap',
  'budget-forecast',
  'budget-exceeded',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];
export const SEVERITIES = ['info', 'warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const CHANNEL_TYPES = ['webhook', 'telegram', 'sse'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

const num = z.number();
const nnum = z.number().nullable();
const str = z.string();
const ParamValue = z.union([z.number(), z.string(), z.boolean()]);

export const AlertRuleSchema = z.looseObject({
  id: num,
  name: str,
  kind: str,
  enabled: z.boolean(),
  severity: str,
  params: z.record(z.string(), ParamValue),
  channelIds: z.array(num),
  quietMinutes: num,
});
export type AlertRule = z.output<typeof AlertRuleSchema>;

export const AlertChannelSchema = z.looseObject({
  id: num,
  name: str,
  type: str,
  enabled: z.boolean(),
  config: z.looseObject({
    url: str.optional(),
    secretSet: z.boolean().optional(),
    chatId: str.optional(),
    botTokenSet: z.boolean().optional(),
    apiBaseUrl: str.optional(),
  }),
});
export type AlertChannel = z.output<typeof AlertChannelSchema>;

export const IncidentSchema = z.looseObject({
  id: num,
  ruleId: num,
  kind: str,
  subject: str,
  severity: str,
  state: str,
  openedAtMs: num,
  lastSeenAtMs: num,
  resolvedAtMs: nnum,
  count: num,
  message: str,
});
export type Incident = z.output<typeof IncidentSchema>;

export const DeliverySchema = z.looseObject({
  id: num,
  incidentId: nnum,
  channelId: num,
  channelName: str,
  atMs: num,
  state: str,
  attempts: num,
  lastError: str.nullable(),
  nextAttemptAtMs: nnum,
  test: z.boolean(),
});
export type Delivery = z.output<typeof DeliverySchema>;

/** What the panel sends for a rule (id comes from the URL). */
export interface RuleInput {
  name: string;
  kind: string;
  enabled: boolean;
  severity: string;
  params: Record<string, number | string | boolean>;
  channelIds: number[];
  quietMinutes: number;
}

/** What the panel sends for a channel: secrets only when the user typed a new one. */
export interface ChannelInput {
  name: string;
  type: string;
  enabled: boolean;
  config: { url?: string; secret?: string; chatId?: string; botToken?: string; apiBaseUrl?: string };
}

const A = '/alerts';
// Writes are reloaded from the list afterwards; the echoed object is optional so a terser server still works.
const RuleWrite = z.looseObject({ rule: AlertRuleSchema.optional() });
const ChannelWrite = z.looseObject({ channel: AlertChannelSchema.optional() });
const items = <S extends z.ZodType>(s: S) => z.looseObject({ items: z.array(s) });

export const listRules = (c: ManagerClient, o: Opts = {}) => c.json('GET', `${A}/rules`, items(AlertRuleSchema), o);
export const createRule = (c: ManagerClient, body: RuleInput) => c.json('POST', `${A}/rules`, RuleWrite, { body });
export const updateRule = (c: ManagerClient, id: number, body: Partial<RuleInput>) =>
  c.json('PUT', `${A}/rules/${id}`, RuleWrite, { body });
export const deleteRule = (c: ManagerClient, id: number) => c.raw('DELETE', `${A}/rules/${id}`);

export const listChannels = (c: ManagerClient, o: Opts = {}) => c.json('GET', `${A}/channels`, items(AlertChannelSchema), o);
export const createChannel = (c: ManagerClient, body: ChannelInput) =>
  c.json('POST', `${A}/channels`, ChannelWrite, { body });
export const updateChannel = (c: ManagerClient, id: number, body: Partial<ChannelInput>) =>
  c.json('PUT', `${A}/channels/${id}`, ChannelWrite, { body });
export const deleteChannel = (c: ManagerClient, id: number) => c.raw('DELETE', `${A}/channels/${id}`);
export const testChannel = (c: ManagerClient, id: number) =>
  c.json('POST', `${A}/channels/${id}/test`, z.looseObject({ delivery: DeliverySchema }), { timeoutMs: 45_000 });

export const listIncidents = (c: ManagerClient, state: 'open' | 'resolved', limit = 100, o: Opts = {}) =>
  c.json('GET', `${A}/incidents`, items(IncidentSchema), { query: { state, limit }, ...o });
export const listDeliveries = (c: ManagerClient, q: { limit?: number; channelId?: number }, o: Opts = {}) =>
  c.json('GET', `${A}/deliveries`, items(DeliverySchema), { query: { limit: q.limit, channelId: q.channelId }, ...o });

// Incidents as people read them (subject by name, link target, ack and mute) and the ack / mute calls.
const LinkSchema = z
  .union([
    z.looseObject({ kind: z.literal('account'), authIndex: str }),
    z.looseObject({ kind: z.literal('key'), hash: str }),
    z.looseObject({ kind: z.literal('pool'), provider: str, plan: str.nullable() }),
    z.looseObject({ kind: z.literal('collector') }),
  ])
  .nullable()
  .catch(null);
export type SubjectLink = z.output<typeof LinkSchema>;
const MuteRef = z.looseObject({ id: num, scope: str, untilMs: nnum }).nullable();
export const ReadableIncidentSchema = IncidentSchema.extend({
  subjectLabel: str,
  link: LinkSchema,
  acked: z.boolean(),
  ackedAtMs: nnum,
  mute: MuteRef,
});
export type ReadableIncident = z.output<typeof ReadableIncidentSchema>;
const IncidentWrite = z.looseObject({ incident: ReadableIncidentSchema });
export const MuteSchema = z.looseObject({ id: num, kind: str, scope: str, targetId: num, untilMs: nnum, createdAtMs: num, note: str });
export type AlertMute = z.output<typeof MuteSchema>;

export const listReadableIncidents = (c: ManagerClient, state: 'open' | 'resolved', limit = 100, o: Opts = {}) =>
  c.json('GET', `${A}/incidents/readable`, items(ReadableIncidentSchema), { query: { state, limit }, ...o });
export const ackIncident = (c: ManagerClient, id: number) => c.json('POST', `${A}/incidents/${id}/ack`, IncidentWrite, { body: {} });
export const unackIncident = (c: ManagerClient, id: number) => c.json('DELETE', `${A}/incidents/${id}/ack`, IncidentWrite);
/** minutes null = until unmuted. */
export const muteAlerts = (c: ManagerClient, body: { scope: 'incident' | 'rule'; targetId: number; minutes: number | null }) =>
  c.json('POST', `${A}/mutes`, z.looseObject({ mute: MuteSchema }), { body });
export const listMutes = (c: ManagerClient, o: Opts = {}) => c.json('GET', `${A}/mutes`, items(MuteSchema), o);
export const unmute = (c: ManagerClient, id: number) => c.json('DELETE', `${A}/mutes/${id}`, z.looseObject({}));
