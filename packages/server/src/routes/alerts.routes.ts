// Alert rules, channels (secrets write-only), incidents and the delivery log (docs/reference/http-api.md).
import type { AlertsRepository } from '@cpamp/store';
import type { ZodTypeProvider } from '@fastify/type-provider-zod';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ServerError } from '../errors';
import type { AlertEngine } from '../alerts/alert-engine';
import { channelView, deliveryView, incidentView, ruleView, type ChannelRecord } from '../alerts/alert-views';
import { ALERT_KINDS, EVENT_KINDS, RULE_PARAMS, parseRuleParams } from '../alerts/rule-kinds';
import type { AlertSignalKind } from '../alerts/signal-bus';

const BASE = '/v0/management/alerts';
const httpUrl = z
  .string()
  .trim()
  .max(2000)
  .url({ message: 'use an absolute http(s) URL' })
  .refine((u) => /^https?:\/\//i.test(u), { message: 'use an http(s) URL' });
const name = z.string().trim().min(1, { message: 'name must not be empty' }).max(200);
const severity = z.enum(['info', 'warning', 'critical']);
const params = z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()]));
const channelIds = z.array(z.number().int().positive()).max(50);
const quietMinutes = z.number().int().min(0).max(7 * 24 * 60);

const RuleCreate = z.object({
  name,
  kind: z.enum(ALERT_KINDS),
  enabled: z.boolean().default(true),
  severity: severity.default('warning'),
  params: params.default({}),
  channelIds: channelIds.default([]),
  quietMinutes: quietMinutes.default(60),
});
const RuleUpdate = z.object({
  name: name.optional(),
  kind: z.enum(ALERT_KINDS).optional(),
  enabled: z.boolean().optional(),
  severity: severity.optional(),
  params: params.optional(),
  channelIds: channelIds.optional(),
  quietMinutes: quietMinutes.optional(),
});
/** Write-only secrets are accepted at the top level or inside `config`; '' means "leave unchanged". */
const secret = z.string().max(4096).nullable().optional();
const ChannelConfig = z.object({
  url: z.union([httpUrl, z.literal('')]).optional(),
  chatId: z.union([z.string().trim().max(100), z.number().int()]).transform(String).optional(),
  apiBaseUrl: z.union([httpUrl, z.literal('')]).optional(),
  secret,
  botToken: secret,
});
const ChannelCreate = z.object({
  name,
  type: z.enum(['webhook', 'telegram', 'sse']),
  enabled: z.boolean().default(true),
  config: ChannelConfig.default({}),
  secret,
  botToken: secret,
});
const ChannelUpdate = z.object({
  name: name.optional(),
  type: z.enum(['webhook', 'telegram', 'sse']).optional(),
  enabled: z.boolean().optional(),
  config: ChannelConfig.optional(),
  secret,
  botToken: secret,
});
const IdParams = z.object({ id: z.coerce.number().int().positive() });
const IncidentsQuery = z.object({
  state: z.enum(['open', 'resolved']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
const DeliveriesQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  channelId: z.coerce.number().int().positive().optional(),
});

const bad = (message: string) => new ServerError('bad_request', message);
const notFound = (what: string, id: number) =>
  new ServerError('not_found', `No alert ${what} with id ${id}; list them with GET ${BASE}/${what}s.`);

function checkParams(kind: AlertSignalKind, raw: Record<string, unknown>) {
  const clean = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== null));
  const r = parseRuleParams(kind, clean);
  if (!r.ok) throw bad(`Invalid body: ${r.error}`);
  return r.params;
}

async function checkChannelIds(alerts: AlertsRepository, ids: number[]) {
  for (const id of ids)
    if (!(await alerts.getChannel(id))) throw bad(`Invalid body: body.channelIds: no alert channel with id ${id} (create it first).`);
}

/** undefined = keep, null = clear, a string = store. */
function pickSecret(...candidates: (string | null | undefined)[]): string | null | undefined {
  for (const c of candidates) if (c !== undefined && c !== '') return c;
  return undefined;
}

function checkChannel(type: ChannelRecord['type'], config: ChannelRecord['config'], secretSet: boolean) {
  if (type === 'webhook' && !config.url) throw bad('Invalid body: body.config.url: a webhook channel needs an http(s) URL.');
  if (type === 'telegram') {
    if (!config.chatId) throw bad('Invalid body: body.config.chatId: a Telegram channel needs the chat id to post to.');
    if (!secretSet) throw bad('Invalid body: body.botToken: a Telegram channel needs the bot token from @BotFather.');
  }
}

export default async function alertsRoutes(
  appBase: FastifyInstance,
  opts: { alerts: AlertsRepository; engine: AlertEngine },
): Promise<void> {
  const app = appBase.withTypeProvider<ZodTypeProvider>();
  const repo = (): AlertsRepository => opts.alerts;

  // Which alert kinds exist and the params each accepts (JSON Schema, with defaults),
  // so a form can be built without hard-coding them.
  const kinds = ALERT_KINDS.map((kind) => {
    const { $schema: _s, ...params } = z.toJSONSchema(RULE_PARAMS[kind], { io: 'input', unrepresentable: 'any' });
    return { kind, event: EVENT_KINDS.has(kind), params };
  });
  app.get(`${BASE}/kinds`, { exposeHeadRoute: false }, async () => ({ items: kinds }));

  app.get(`${BASE}/rules`, { exposeHeadRoute: false }, async () => ({ items: (await repo().listRules()).map(ruleView) }));

  app.post(`${BASE}/rules`, { schema: { body: RuleCreate } }, async (request, reply) => {
    const alerts = repo();
    const b = request.body;
    const p = checkParams(b.kind, b.params);
    await checkChannelIds(alerts, b.channelIds);
    const rule = await alerts.createRule({ ...b, params: p });
    return reply.status(201).send({ rule: ruleView(rule) });
  });

  app.put(`${BASE}/rules/:id`, { schema: { params: IdParams, body: RuleUpdate } }, async (request) => {
    const alerts = repo();
    const cur = await alerts.getRule(request.params.id);
    if (!cur) throw notFound('rule', request.params.id);
    const b = request.body;
    const kind = (b.kind ?? cur.kind) as AlertSignalKind;
    const patch: Parameters<AlertsRepository['updateRule']>[1] = {};
    if (b.name !== undefined) patch.name = b.name;
    if (b.enabled !== undefined) patch.enabled = b.enabled;
    if (b.severity !== undefined) patch.severity = b.severity;
    if (b.quietMinutes !== undefined) patch.quietMinutes = b.quietMinutes;
    if (b.kind !== undefined || b.params !== undefined) {
      patch.kind = kind;
      patch.params = checkParams(kind, b.params ?? cur.params);
    }
    if (b.channelIds !== undefined) {
      await checkChannelIds(alerts, b.channelIds);
      patch.channelIds = b.channelIds;
    }
    const rule = await alerts.updateRule(cur.id, patch);
    if (!rule) throw notFound('rule', cur.id);
    return { rule: ruleView(rule) };
  });

  app.delete(`${BASE}/rules/:id`, { schema: { params: IdParams } }, async (request) => {
    const alerts = repo();
    const cur = await alerts.getRule(request.params.id);
    if (!cur || !(await alerts.deleteRule(cur.id))) throw notFound('rule', request.params.id);
    return { ok: true, rule: ruleView(cur) };
  });

  app.get(`${BASE}/channels`, { exposeHeadRoute: false }, async () => ({ items: (await repo().listChannels()).map(channelView) }));

  app.post(`${BASE}/channels`, { schema: { body: ChannelCreate } }, async (request, reply) => {
    const alerts = repo();
    const b = request.body;
    const secretValue = pickSecret(b.type === 'telegram' ? b.botToken : b.secret, b.type === 'telegram' ? b.config.botToken : b.config.secret, b.type === 'telegram' ? b.secret : b.botToken);
    const config = { url: b.config.url || undefined, chatId: b.config.chatId || undefined, apiBaseUrl: b.config.apiBaseUrl || undefined };
    checkChannel(b.type, config, typeof secretValue === 'string');
    const channel = await alerts.createChannel({
      name: b.name,
      type: b.type,
      enabled: b.enabled,
      config: channelConfig(b.type, config),
      secret: b.type === 'sse' ? null : (secretValue ?? null),
    });
    return reply.status(201).send({ channel: channelView(channel) });
  });

  app.put(`${BASE}/channels/:id`, { schema: { params: IdParams, body: ChannelUpdate } }, async (request) => {
    const alerts = repo();
    const cur = await alerts.getChannel(request.params.id);
    if (!cur) throw notFound('channel', request.params.id);
    const b = request.body;
    const type = b.type ?? cur.type;
    const c = b.config ?? {};
    const secretValue = pickSecret(type === 'telegram' ? b.botToken : b.secret, type === 'telegram' ? c.botToken : c.secret, type === 'telegram' ? b.secret : b.botToken);
    const config = channelConfig(type, {
      url: c.url === '' ? undefined : (c.url ?? cur.config.url),
      chatId: c.chatId === '' ? undefined : (c.chatId ?? cur.config.chatId),
      apiBaseUrl: c.apiBaseUrl === '' ? undefined : (c.apiBaseUrl ?? cur.config.apiBaseUrl),
    });
    // A Telegram bot token travels in the request path: it never follows a new API base on its own. (A
    // webhook secret only signs the body and never leaves cpamp, so a new URL keeps it.)
    const destination = (cfg: { url?: string; apiBaseUrl?: string }) => (type === 'telegram' ? cfg.apiBaseUrl ?? '' : cfg.url ?? '');
    const moved = type === cur.type && destination(config) !== destination(cur.config);
    if (moved && type === 'telegram' && cur.secretSet && secretValue === undefined) {
      throw bad("Invalid body: botToken: the channel's API base changes; send the bot token again (the stored one is not sent to a new address).");
    }
    if (moved) request.log.warn({ channel: cur.id, from: destination(cur.config), to: destination(config) }, 'alert channel destination changed');
    const willHaveSecret = secretValue === undefined ? cur.secretSet && type === cur.type : secretValue !== null;
    checkChannel(type, config, willHaveSecret);
    const channel = await alerts.updateChannel(cur.id, {
      name: b.name,
      type,
      enabled: b.enabled,
      config,
      // A type change drops the old secret: a webhook secret is not a bot token.
      secret: type === 'sse' ? null : secretValue !== undefined ? secretValue : type !== cur.type ? null : undefined,
    });
    if (!channel) throw notFound('channel', cur.id);
    return { channel: channelView(channel) };
  });

  app.delete(`${BASE}/channels/:id`, { schema: { params: IdParams } }, async (request) => {
    const alerts = repo();
    const cur = await alerts.getChannel(request.params.id);
    if (!cur || !(await alerts.deleteChannel(cur.id))) throw notFound('channel', request.params.id);
    return { ok: true, channel: channelView(cur) };
  });

  app.post(`${BASE}/channels/:id/test`, { schema: { params: IdParams } }, async (request) => {
    const delivery = await opts.engine.testSend(request.params.id);
    return { delivery: deliveryView(delivery) };
  });

  app.get(`${BASE}/incidents`, { schema: { querystring: IncidentsQuery }, exposeHeadRoute: false }, async (request) => ({
    items: (await repo().listIncidents({ state: request.query.state, limit: request.query.limit })).map(incidentView),
  }));

  // Close an incident by hand (its channels get 'resolved').
  app.post(`${BASE}/incidents/:id/resolve`, { schema: { params: IdParams } }, async (request) => {
    const alerts = repo();
    const cur = await alerts.getIncident(request.params.id);
    if (!cur) throw notFound('incident', request.params.id);
    if (cur.state === 'open') await opts.engine.resolveIncident(cur.id);
    const incident = (await alerts.getIncident(cur.id)) ?? cur;
    return { incident: incidentView(incident) };
  });

  app.get(`${BASE}/deliveries`, { schema: { querystring: DeliveriesQuery }, exposeHeadRoute: false }, async (request) => ({
    items: (await repo().listDeliveries({ limit: request.query.limit, channelId: request.query.channelId })).map(deliveryView),
  }));
}

function channelConfig(type: ChannelRecord['type'], c: ChannelRecord['config']): ChannelRecord['config'] {
  if (type === 'webhook') return { url: c.url };
  if (type === 'telegram') return { chatId: c.chatId, ...(c.apiBaseUrl ? { apiBaseUrl: c.apiBaseUrl } : {}) };
  return {};
}
