import { z } from 'zod';
import type { ManagerClient } from './manager-client';
import type { SignalOptions as Sig } from './management-client';

// The cpamp server's admin routes (prices, aliases, import/export, collector, storage; docs/reference/http-api.md).
// Schemas are loose: the panel reads what it shows and ignores the rest.

const num = z.number().nullable().optional().catch(null);
const str = z.string().nullable().optional().catch(null);

// ---- model prices (USD per 1M tokens) -------------------------------------------------------------
export const RATE_FIELDS = ['input', 'output', 'cacheRead', 'cacheCreation', 'reasoning'] as const;
export const ABOVE_FIELDS = ['inputAbove200k', 'outputAbove200k', 'cacheReadAbove200k', 'cacheCreationAbove200k'] as const;
export const TIER_FIELDS = ['priorityMultiplier', 'flexMultiplier', 'batchMultiplier'] as const;
export const PRICE_FIELDS = [...RATE_FIELDS, ...ABOVE_FIELDS, ...TIER_FIELDS, 'perRequestFee'] as const;
export type PriceField = (typeof PRICE_FIELDS)[number];
export type PriceInput = Partial<Record<PriceField, number | null>>;

const ModelPriceSchema = z.looseObject({
  model: z.string(),
  input: num,
  output: num,
  cacheRead: num,
  cacheCreation: num,
  reasoning: num,
  inputAbove200k: num,
  outputAbove200k: num,
  cacheReadAbove200k: num,
  cacheCreationAbove200k: num,
  priorityMultiplier: num,
  flexMultiplier: num,
  batchMultiplier: num,
  perRequestFee: num,
  tierPrices: z.record(z.string(), z.unknown()).nullable().optional().catch(null),
  source: z.string().catch(''),
  sourceModelId: str,
  manual: z.boolean().catch(false),
  updatedMs: z.number().catch(0),
});
export type ModelPrice = z.output<typeof ModelPriceSchema>;
const PricesSchema = z.looseObject({ prices: z.record(z.string(), ModelPriceSchema), version: z.number().optional() });

const PriceUsageSchema = z.looseObject({
  models: z.array(z.looseObject({ model: z.string(), calls: z.number(), unpricedCalls: z.number().catch(0), priced: z.boolean(), requestedNameOnly: z.boolean().optional() })),
  truncated: z.boolean().optional(),
});
export type PriceUsage = z.output<typeof PriceUsageSchema>;

const SyncReportSchema = z.looseObject({
  matched: z.array(z.looseObject({ model: z.string(), sourceModelId: z.string() })).catch([]),
  unmatched: z.array(z.string()).catch([]),
  preservedManual: z.array(z.string()).catch([]),
  skippedEntries: z.number().catch(0),
  imported: z.number().optional(),
});
export type SyncReport = z.output<typeof SyncReportSchema>;

export const listPrices = (c: ManagerClient, o: Sig = {}) => c.json('GET', '/model-prices', PricesSchema, o);
export const priceUsage = (c: ManagerClient, o: Sig = {}) => c.json('GET', '/model-prices/usage-summary', PriceUsageSchema, o);
export const savePrice = (c: ManagerClient, model: string, price: PriceInput) =>
  c.json('PUT', '/model-prices', z.looseObject({}), { body: { model, price } });
export const deletePrice = (c: ManagerClient, model: string) =>
  c.json('DELETE', `/model-prices/${encodeURIComponent(model)}`, z.looseObject({}));
/** LiteLLM model_prices_and_context_window.json from a URL the server fetches. */
export const syncPricesFromUrl = (c: ManagerClient, url: string) =>
  c.json('POST', '/model-prices/sync', SyncReportSchema, { body: { url }, timeoutMs: 120_000 });
/** The same file uploaded from the browser (sent as the JSON body). */
export const syncPricesFromFile = (c: ManagerClient, file: Blob) =>
  c.json('POST', '/model-prices/sync', SyncReportSchema, { body: file, contentType: 'application/json', timeoutMs: 120_000 });

// ---- API key aliases ----------------------------------------------------------------------------------
const AliasesSchema = z.looseObject({
  items: z.array(z.looseObject({ apiKeyHash: z.string(), alias: z.string(), label: z.string().catch('') })),
});
export type AliasItem = z.output<typeof AliasesSchema>['items'][number];
const Tokens = z.looseObject({ total: z.number() });
const KeyTrafficSchema = z.looseObject({
  rows: z.array(z.looseObject({ name: z.string(), label: z.string(), requests: z.number(), failures: z.number(), tokens: Tokens, costMicros: z.number(), lastSeenMs: z.number() })),
});
export type KeyTraffic = z.output<typeof KeyTrafficSchema>['rows'][number];
const Named = z.looseObject({ name: z.string() });
const KeyOptionsSchema = z.looseObject({
  keys: z.array(z.looseObject({ hash: z.string(), label: z.string(), alias: z.string().nullable().optional() })),
  models: z.array(Named).catch([]),
  providers: z.array(Named).catch([]),
});
export type AllTimeOptions = z.output<typeof KeyOptionsSchema>;

export const listAliases = (c: ManagerClient, o: Sig = {}) => c.json('GET', '/api-key-aliases', AliasesSchema, o);
export const saveAlias = (c: ManagerClient, apiKeyHash: string, alias: string) =>
  c.json('PUT', '/api-key-aliases', AliasesSchema, { body: { items: [{ apiKeyHash, alias }] } });
export const clearAlias = (c: ManagerClient, apiKeyHash: string) =>
  c.json('DELETE', `/api-key-aliases/${encodeURIComponent(apiKeyHash)}`, z.looseObject({}));
/** Every key with traffic since the first event: requests, tokens, cost, last seen. */
export const keyTraffic = (c: ManagerClient, o: Sig = {}) =>
  c.json('GET', '/analytics/breakdown/key', KeyTrafficSchema, { ...o, query: { from: 0, limit: 1000, sort: 'requests' } });
/** Keys (masked labels; the breakdown shows the alias instead once one is set), models and providers ever seen. */
export const allTimeOptions = (c: ManagerClient, o: Sig = {}) => c.json('GET', '/analytics/filter-options', KeyOptionsSchema, { ...o, query: { from: 0 } });

// ---- import sessions + export -------------------------------------------------------------------------
const ImportResultSchema = z.looseObject({
  format: z.string().catch(''),
  added: z.number().catch(0),
  skipped: z.number().catch(0),
  total: z.number().catch(0),
  failed: z.number().catch(0),
  warnings: z.array(z.string()).catch([]),
  rejections: z.array(z.looseObject({ at: z.number(), reason: z.string() })).catch([]),
});
export type ImportResult = z.output<typeof ImportResultSchema>;
/** How many events the database holds (all-time summary). */
export const countEvents = async (c: ManagerClient, o: Sig = {}) =>
  (await c.json('GET', '/analytics/summary', z.looseObject({ requests: z.number() }), { ...o, query: { from: 0 } })).requests;
const ImportSessionSchema = z.looseObject({
  id: z.string(),
  filename: z.string().catch(''),
  status: z.enum(['uploading', 'ready', 'processing', 'completed', 'failed', 'cancelled']),
  size_bytes: z.number(),
  received_bytes: z.number(),
  chunk_size_bytes: z.number(),
  retryable: z.boolean().catch(false),
  error: z.string().optional().catch(undefined),
  result: ImportResultSchema.optional().catch(undefined),
});
export type ImportSession = z.output<typeof ImportSessionSchema>;

const SESSIONS = '/usage/import-sessions';
export const createImportSession = (c: ManagerClient, body: { filename: string; size_bytes: number; resume_key: string }, o: Sig = {}) =>
  c.json('POST', SESSIONS, ImportSessionSchema, { ...o, body });
export const getImportSession = (c: ManagerClient, id: string, o: Sig = {}) => c.json('GET', `${SESSIONS}/${id}`, ImportSessionSchema, o);
export const putImportChunk = (c: ManagerClient, id: string, offset: number, chunk: Blob, o: Sig = {}) =>
  c.json('PUT', `${SESSIONS}/${id}/chunk`, ImportSessionSchema, { ...o, query: { offset }, body: chunk, contentType: 'application/octet-stream', timeoutMs: 120_000 });
export const completeImportSession = (c: ManagerClient, id: string, o: Sig = {}) =>
  c.json('POST', `${SESSIONS}/${id}/complete`, ImportSessionSchema, o);
export const cancelImportSession = (c: ManagerClient, id: string) => c.json('DELETE', `${SESSIONS}/${id}`, z.looseObject({}));

export interface ExportQuery {
  format: 'jsonl' | 'csv';
  from?: number;
  to?: number;
  model?: string;
  key?: string;
  provider?: string;
  status?: 'success' | 'failure';
}

/**
 * Streams the export into a Blob, reporting bytes as they arrive. The route needs the Bearer header, so a
 * plain link cannot download it; the file name comes from the server's Content-Disposition.
 */
export async function downloadExport(c: ManagerClient, q: ExportQuery, onBytes: (n: number) => void, o: Sig = {}): Promise<{ blob: Blob; name: string }> {
  const res = await c.raw('GET', '/usage/export', { ...o, query: { ...q }, timeoutMs: 600_000 });
  const disposition = res.headers.get('content-disposition') ?? '';
  const name = /filename="?([^";]+)"?/i.exec(disposition)?.[1] ?? `usage-events.${q.format}`;
  const type = res.headers.get('content-type') ?? 'application/octet-stream';
  if (!res.body) return { blob: await res.blob(), name };
  const parts: Uint8Array[] = [];
  let n = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    n += value.byteLength;
    onBytes(n);
  }
  return { blob: new Blob(parts as BlobPart[], { type }), name };
}

// ---- collector ----------------------------------------------------------------------------------------
const FindingSchema = z.looseObject({
  id: z.string().catch(''),
  level: z.enum(['ok', 'info', 'warn', 'error']).catch('info'),
  title: z.string().catch(''),
  detail: z.string().catch(''),
  fix: z.string().nullable().optional().catch(null),
});
export type Finding = z.output<typeof FindingSchema>;
const DoctorSchema = z.looseObject({ atMs: z.number(), findings: z.array(FindingSchema) });
export type DoctorReport = z.output<typeof DoctorSchema>;
const CollectorStatusSchema = z.looseObject({
  state: z.string().catch('stopped'),
  mode: z.string().catch(''),
  transport: z.string().nullable().catch(''),
  transportNote: str,
  queue: str,
  upstream: str,
  cpaVersion: str,
  retentionSeconds: num,
  lastConsumedAt: num,
  lastInsertedAt: num,
  totalInserted: z.number().catch(0),
  totalSkipped: z.number().catch(0),
  rejected: z.number().catch(0),
  deadLetters: z.number().catch(0),
  lastError: z.string().catch(''),
  lastErrorHint: str,
  counters: z.record(z.string(), z.number()).nullable().optional().catch(null),
});
export type CollectorStatus = z.output<typeof CollectorStatusSchema>;
const GapSchema = z.looseObject({ fromMs: z.number(), toMs: z.number(), reason: z.string().catch(''), detail: str });
export type CoverageGap = z.output<typeof GapSchema>;
const CollectorSchema = z.looseObject({
  status: CollectorStatusSchema,
  coverage: z.looseObject({ gaps: z.array(GapSchema) }).catch({ gaps: [] }),
  doctor: DoctorSchema.nullable().catch(null),
});
export type CollectorReport = z.output<typeof CollectorSchema>;

export const getCollector = (c: ManagerClient, o: Sig = {}) => c.json('GET', '/collector', CollectorSchema, o);
export const runDoctor = (c: ManagerClient) => c.json('POST', '/collector/doctor', DoctorSchema, { body: {}, timeoutMs: 60_000 });

// ---- storage + retention ------------------------------------------------------------------------------
const RetentionSchema = z.looseObject({
  rawDays: z.number().nullable(),
  maxDbMegabytes: z.number().nullable(),
  lastRun: z.looseObject({ atMs: z.number(), deletedEvents: z.number(), reason: z.string() }).nullable().catch(null),
});
export type Retention = z.output<typeof RetentionSchema>;
const StorageSchema = z.looseObject({
  fileBytes: z.number(),
  walBytes: z.number().catch(0),
  pageSize: z.number().optional().catch(undefined),
  pageCount: z.number().optional().catch(undefined),
  freePages: z.number().catch(0),
  events: z.number(),
  objects: z.array(z.looseObject({ name: z.string(), bytes: z.number() })).catch([]),
  bytesPerEvent: z.number().nullable().catch(null),
  /** SQLite: the events the server keeps in memory for fast views (null on PostgreSQL). */
  memory: z
    .looseObject({
      state: z.string(),
      events: z.number(),
      held: z.number(),
      bytes: z.number(),
      fromMs: z.number().nullable(),
    })
    .nullable()
    .catch(null),
  retention: RetentionSchema.optional().catch(undefined),
});
export type StorageReport = z.output<typeof StorageSchema>;
const RetentionRunSchema = z.looseObject({ deletedEvents: z.number(), reason: z.string().catch('none'), tookMs: z.number().catch(0) });
export type RetentionRun = z.output<typeof RetentionRunSchema>;

export const getStorage = (c: ManagerClient, o: Sig = {}) => c.json('GET', '/storage', StorageSchema, { ...o, timeoutMs: 60_000 });
export const getRetention = (c: ManagerClient, o: Sig = {}) => c.json('GET', '/retention', RetentionSchema, o);
export const saveRetention = (c: ManagerClient, r: { rawDays: number | null; maxDbMegabytes: number | null }) =>
  c.json('PUT', '/retention', RetentionSchema, { body: r });
export const runRetention = (c: ManagerClient) => c.json('POST', '/retention/run', RetentionRunSchema, { body: {}, timeoutMs: 300_000 });

/** "all" (all history), "now", or an ISO date: from when a price change applies (history is re-priced in the background). */
export type ApplyFrom = 'all' | 'now' | string;
export const savePriceApplied = (c: ManagerClient, model: string, price: PriceInput, applyFrom: ApplyFrom | undefined) =>
  c.json('PUT', '/model-prices', z.looseObject({}), { body: applyFrom === undefined ? { model, price } : { model, price, applyFrom } });
/** Confirms one of a model's candidate prices from a price file (models.dev lists a model under several providers). */
export const syncPriceCandidate = (c: ManagerClient, url: string, model: string, sourceModelId: string) =>
  c.json('POST', '/model-prices/sync', SyncReportSchema, { body: { url, models: [model], select: { [model]: sourceModelId } }, timeoutMs: 120_000 });
