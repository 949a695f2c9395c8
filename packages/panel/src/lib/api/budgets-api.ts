import { z } from 'zod';
import { errorFromResponse } from './errors';
import type { ManagerClient } from './manager-client';
import { parseJson, type SignalOptions as Opts } from './management-client';

// The cpamp server's budgets and share-link API (/v0/management/budgets, /v0/management/share-links) and the
// public read-only share API (/v0/share/<token>). Loose objects: newer servers may add fields.

export const BUDGET_PERIODS = ['week', 'month'] as const;
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];

const num = z.number();
const nnum = z.number().nullable();

export const BudgetStatusSchema = z.looseObject({
  keyHash: z.string(),
  keyName: z.string(),
  alias: z.string().nullable(),
  label: z.string(),
  period: z.string(),
  limitMicros: num,
  enforce: z.boolean(),
  periodStartMs: num,
  periodEndMs: num,
  spentMicros: num,
  forecastMicros: num,
  unpricedRequests: num,
  requests: num,
  state: z.string(),
  held: z.looseObject({ removedAtMs: num, restoreAtMs: num }).nullable(),
});
export type BudgetStatus = z.output<typeof BudgetStatusSchema>;

const BudgetsSchema = z.looseObject({
  items: z.array(BudgetStatusSchema),
  keys: z.array(z.looseObject({ hash: z.string(), label: z.string(), alias: z.string().nullable() })),
});
export type Budgets = z.output<typeof BudgetsSchema>;

const LogSchema = z.looseObject({
  items: z.array(z.looseObject({ id: num, atMs: num, keyHash: z.string(), action: z.string(), ok: z.boolean(), detail: z.string() })),
});
export type BudgetLog = z.output<typeof LogSchema>;

const ShareLinkSchema = z.looseObject({
  id: num,
  keyHash: z.string(),
  tokenPrefix: z.string(),
  label: z.string().nullable(),
  createdAtMs: num,
  revokedAtMs: nnum,
  lastUsedAtMs: nnum,
});
export type ShareLink = z.output<typeof ShareLinkSchema>;

export const getBudgets = (c: ManagerClient, o: Opts = {}) => c.json('GET', '/budgets', BudgetsSchema, o);
export const putBudget = (c: ManagerClient, hash: string, b: { period: BudgetPeriod; limitMicros: number; enforce: boolean }) =>
  c.json('PUT', `/budgets/${hash}`, z.looseObject({ budget: BudgetStatusSchema }), { body: b });
export const deleteBudget = (c: ManagerClient, hash: string) => c.json('DELETE', `/budgets/${hash}`, z.looseObject({}));
export const getBudgetLog = (c: ManagerClient, o: Opts = {}) => c.json('GET', '/budgets/log', LogSchema, { ...o, query: { limit: 20 } });
export const listShareLinks = (c: ManagerClient, o: Opts = {}) => c.json('GET', '/share-links', z.looseObject({ items: z.array(ShareLinkSchema) }), o);
export const createShareLink = (c: ManagerClient, apiKeyHash: string, label: string | null) =>
  c.json('POST', '/share-links', z.looseObject({ link: ShareLinkSchema, token: z.string(), path: z.string() }), { body: { apiKeyHash, label } });
export const revokeShareLink = (c: ManagerClient, id: number) => c.json('DELETE', `/share-links/${id}`, z.looseObject({ link: ShareLinkSchema }));

const Totals = z.looseObject({ requests: num, failures: num, tokens: num, costMicros: num, unpricedRequests: num });
export const ShareViewSchema = z.looseObject({
  generatedAtMs: num,
  key: z.looseObject({ name: z.string() }),
  usage: z.looseObject({ last24h: Totals, last7d: Totals, last30d: Totals }),
  daily: z.array(z.looseObject({ startMs: num, requests: num, tokens: num, costMicros: num })),
  budget: z
    .looseObject({
      period: z.string(),
      limitMicros: num,
      spentMicros: num,
      forecastMicros: num,
      periodStartMs: num,
      periodEndMs: num,
      state: z.string(),
      paused: z.boolean(),
    })
    .nullable(),
  resets: z.array(z.looseObject({ provider: z.string(), plan: z.string().nullable(), nextResetAtMs: num })),
});
export type ShareView = z.output<typeof ShareViewSchema>;

/** The public share view: no admin key, no CPA; only this URL is ever called by the share page. */
export async function getShareView(apiUrl: string, signal?: AbortSignal): Promise<ShareView> {
  const res = await fetch(apiUrl, { headers: { Accept: 'application/json' }, cache: 'no-store', ...(signal ? { signal } : {}) });
  if (!res.ok) throw errorFromResponse(apiUrl, res.status, await res.text().catch(() => ''), false, res.headers.get('retry-after'));
  return parseJson(res, ShareViewSchema, apiUrl);
}
