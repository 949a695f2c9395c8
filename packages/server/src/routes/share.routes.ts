// The read-only share API: GET /v0/share/:token answers, without the admin key, what the share page shows
// for ONE API key — its name (alias or masked label), usage and cost, its budget — and the pool's next
// quota resets. Everything comes from the store; nothing here calls CPA. Guarded per client address:
// unknown tokens count as failed attempts (the admin key's brute-force guard, its own instance), and every
// request counts against a plain request rate.
import type { ServerStore } from '../server-store';
import type { ZodTypeProvider } from '@fastify/type-provider-zod';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { BudgetService } from '../budgets/budget-service';
import { hashShareToken, SHARE_TOKEN_PATTERN } from '../budgets/share-token';
import { ServerError, TooManyAttemptsError } from '../errors';
import type { PoolService } from '../pool/pool-service';
import { createBruteForceGuard, type BruteForceOptions } from '../security/brute-force';

const DAY = 86_400_000;
const TokenParams = z.object({ token: z.string().max(200) });

export interface ShareRoutesOptions {
  store: Pick<ServerStore, 'budgets' | 'analytics' | 'apiKeys'>;
  budgets: Pick<BudgetService, 'status'>;
  pool: Pick<PoolService, 'snapshot'>;
  now: () => number;
  /** Unknown-token guard (default: 10 failures in 15 min lock the address, doubling). */
  guard?: BruteForceOptions;
  /** Requests per address per minute (default 120). */
  requestsPerMinute?: number;
}

export default async function shareRoutes(appBase: FastifyInstance, opts: ShareRoutesOptions): Promise<void> {
  const app = appBase.withTypeProvider<ZodTypeProvider>();
  const { store, now } = opts;
  const guard = createBruteForceGuard({ now, ...opts.guard });
  const rate = createBruteForceGuard({ now, maxFailures: opts.requestsPerMinute ?? 120, windowMs: 60_000, baseBackoffMs: 10_000, maxBackoffMs: 10 * 60_000 });
  const refuse = (seconds: number) =>
    new TooManyAttemptsError(seconds, `Too many share-link requests from this address; retry in ${seconds} s.`);

  app.get('/v0/share/:token', { config: { auth: 'public' }, schema: { params: TokenParams } }, async (request, reply) => {
    const address = request.ip;
    const counted = rate.begin(address);
    if ('retryAfterSeconds' in counted) throw refuse(counted.retryAfterSeconds);
    counted.fail();
    const wait = guard.retryAfterSeconds(address);
    if (wait > 0) throw refuse(wait);
    const attempt = guard.begin(address);
    if ('retryAfterSeconds' in attempt) throw refuse(attempt.retryAfterSeconds);
    const { token } = request.params;
    const link = SHARE_TOKEN_PATTERN.test(token) ? await store.budgets.findShare(hashShareToken(token)) : undefined;
    if (!link) {
      attempt.fail();
      throw new ServerError('not_found', 'This share link is unknown or was revoked; ask the pool owner for a new one.');
    }
    // Neither a failure nor a success: a valid link must not wipe the failures of guesses made beside it.
    attempt.abandon();
    const at = now();
    await store.budgets.touchShare(link.id, at);

    const keyHash = link.keyHash;
    const key = (await store.apiKeys.list()).find((k) => k.hash === keyHash);
    const totals = async (from: number) => {
      const t = await store.analytics.totals({ from, to: at + 1, apiKeyHash: keyHash });
      return { requests: t.requests, failures: t.failures, tokens: t.tokens.total, costMicros: t.costMicros, unpricedRequests: t.unpricedRequests };
    };
    const series = await store.analytics.timeSeries({ from: at - 14 * DAY, to: at + 1, apiKeyHash: keyHash }, { granularity: 'day', timeZone: 'UTC' });
    const b = await opts.budgets.status(keyHash);
    const snapshot = await opts.pool.snapshot();
    reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
    // Built field by field: nothing of another key, and no key hash, label source or id can slip in.
    return {
      generatedAtMs: at,
      key: { name: key?.alias || key?.label || '' },
      usage: { last24h: await totals(at - DAY), last7d: await totals(at - 7 * DAY), last30d: await totals(at - 30 * DAY) },
      daily: series.points.map((p) => ({ startMs: p.startMs, requests: p.requests, tokens: p.tokens, costMicros: p.costMicros })),
      budget: b
        ? {
            period: b.period,
            limitMicros: b.limitMicros,
            spentMicros: b.spentMicros,
            forecastMicros: b.forecastMicros,
            periodStartMs: b.periodStartMs,
            periodEndMs: b.periodEndMs,
            state: b.state,
            paused: b.held !== null,
          }
        : null,
      resets: snapshot.providers
        .filter((p) => p.nextResetAtMs !== null)
        .map((p) => ({ provider: p.provider, plan: p.plan, nextResetAtMs: p.nextResetAtMs })),
    };
  });
}
