// Acknowledge and mute alerts (stored server-side, migration 0011), and incidents as people read them:
// the subject by name with a link target, whether it is acked or muted. Admin auth (the default).
import type { AlertsRepository, AlertSilencesAsync, StoreRepositories } from '@cpamp/store';
import type { ZodTypeProvider } from '@fastify/type-provider-zod';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { incidentView, type IncidentRecord } from '../alerts/alert-views';
import { silenceOf } from '../alerts/silences';
import { subjectNamer } from '../alerts/subject-names';
import { ServerError } from '../errors';

const BASE = '/v0/management/alerts';
const IdParams = z.object({ id: z.coerce.number().int().positive() });
const ListQuery = z.object({
  state: z.enum(['open', 'resolved']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
const AckBody = z
  .object({ note: z.string().max(500).optional() })
  .strict()
  .default({});
const MuteBody = z
  .object({
    scope: z.enum(['incident', 'rule']),
    targetId: z.number().int().positive(),
    /** Minutes from now; null = until unmuted. */
    minutes: z
      .number()
      .int()
      .min(1)
      .max(366 * 24 * 60)
      .nullable(),
    note: z.string().max(500).optional(),
  })
  .strict();

export interface AlertSilencesRoutesOptions {
  store: Pick<StoreRepositories, 'pool' | 'apiKeys'> & {
    alerts: AlertsRepository;
    alertSilences: AlertSilencesAsync;
  };
  now: () => number;
}

export default async function alertSilencesRoutes(
  appBase: FastifyInstance,
  opts: AlertSilencesRoutesOptions,
): Promise<void> {
  const app = appBase.withTypeProvider<ZodTypeProvider>();
  const { store, now } = opts;

  const describe = async (items: IncidentRecord[]) => {
    const name = await subjectNamer(store);
    const silences = await store.alertSilences.active(now());
    return items.map((i) => {
      const n = name(i.subject);
      const s = silenceOf(silences, i.id, i.ruleId);
      // The stored message names the raw subject; the readable one names it as people know it.
      const message = n.label !== i.subject ? i.message.split(i.subject).join(n.label) : i.message;
      return {
        ...incidentView(i),
        message,
        subjectLabel: n.label,
        link: n.link,
        acked: s.acked,
        ackedAtMs: s.ackedAtMs,
        mute: s.mute,
      };
    });
  };
  const incidentOr404 = async (id: number) => {
    const inc = await store.alerts.getIncident(id);
    if (!inc)
      throw new ServerError(
        'not_found',
        `No alert incident with id ${id}; list them with GET ${BASE}/incidents/readable.`,
      );
    return inc;
  };

  app.get(
    `${BASE}/incidents/readable`,
    { schema: { querystring: ListQuery }, exposeHeadRoute: false },
    async (request) => ({
      items: await describe(
        await store.alerts.listIncidents({ state: request.query.state, limit: request.query.limit }),
      ),
    }),
  );

  app.post(`${BASE}/incidents/:id/ack`, { schema: { params: IdParams, body: AckBody } }, async (request) => {
    const inc = await incidentOr404(request.params.id);
    await store.alertSilences.ack(inc.id, request.body.note);
    return { incident: (await describe([inc]))[0] };
  });

  app.delete(`${BASE}/incidents/:id/ack`, { schema: { params: IdParams } }, async (request) => {
    const inc = await incidentOr404(request.params.id);
    await store.alertSilences.unack(inc.id);
    return { incident: (await describe([inc]))[0] };
  });

  app.get(`${BASE}/mutes`, { exposeHeadRoute: false }, async () => ({
    items: (await store.alertSilences.active(now())).filter((s) => s.kind === 'mute'),
  }));

  app.post(`${BASE}/mutes`, { schema: { body: MuteBody } }, async (request, reply) => {
    const b = request.body;
    if (b.scope === 'incident') await incidentOr404(b.targetId);
    else if (!(await store.alerts.getRule(b.targetId)))
      throw new ServerError(
        'not_found',
        `No alert rule with id ${b.targetId}; list them with GET ${BASE}/rules.`,
      );
    const mute = await store.alertSilences.mute({
      scope: b.scope,
      targetId: b.targetId,
      untilMs: b.minutes === null ? null : now() + b.minutes * 60_000,
      ...(b.note ? { note: b.note } : {}),
    });
    return reply.code(201).send({ mute });
  });

  app.delete(`${BASE}/mutes/:id`, { schema: { params: IdParams } }, async (request) => {
    if (!(await store.alertSilences.remove(request.params.id)))
      throw new ServerError(
        'not_found',
        `No mute with id ${request.params.id}; list them with GET ${BASE}/mutes.`,
      );
    return { ok: true };
  });
}
