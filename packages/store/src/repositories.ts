// The store's one repository interface. Both dialects implement it: SQLite (`openStore`) runs
// synchronously inside (better-sqlite3) and is exposed as async at this boundary; Postgres
// (`openPgStore`) is async throughout. Every method returns a Promise, so code written against this
// interface runs on either; only registrations (a listener, a timer) return synchronously.
import type { Account, AccountSnapshotInput, ApiKeyInfo } from './accounts/accounts.repository';
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
} from './alerts/alerts.types';
import type { AlertSilenceRecord } from './alerts/alert-silences.repository';
import type { AggSource } from './analytics/aggregate';
import type { BudgetsRepository } from './budgets/budgets.repository';
import type { MatrixOptions, MatrixView } from './analytics/matrix-view';
import type {
  AnalyticsFilter,
  BreakdownBy,
  BreakdownRow,
  BreakdownSort,
  SeriesPoint,
  Totals,
} from './analytics/analytics.repository';
import type { EventListFilter, EventPage, StoredEventSummary } from './events/events.repository';
import type { ExportOptions } from './io/export';
import type { JobsRepository } from './jobs/jobs.repository';
import type { ImportOptions } from './io/import-jsonl';
import type { ImportReport } from './io/import-session';
import type { ImportSource } from './io/line-reader';
import type { UsagePayloadOptions } from './io/usage-payload';
import type { RetentionResult, StorageReport } from './maintenance/maintenance';
import type {
  PoolAccountRow,
  PoolAccountSnapshot,
  PoolActionRow,
  PoolEvidenceRow,
  PoolInspectionResultKind,
  PoolIssueKind,
  PoolIssueRow,
  PoolIssueState,
  PoolOwnershipRow,
  PoolResultRow,
  PoolRetention,
  PoolRunRow,
  PoolRunState,
  PoolWindowPoint,
  PoolWindowRow,
} from './pool/pool.types';
import type { ModelPrice } from './prices/cost';
import type { PriceInput } from './prices/price-input';
import type { PriceSource } from './prices/price-source';
import type { PriceSyncReport } from './prices/price-sync-plan';
import type { PriceChange, PriceEditOptions } from './prices/prices.repository';
import type { PriceVersion } from './prices/price-versions';
import type { RepriceChunkRequest, RepriceChunkResult } from './events/event-reprice-chunk';
import type { InsertResult, NormalizeFn, StoredEvent, UsageEventInput } from './types';
import type { SavedViewsRepository } from './views/saved-views';
import type { LeasesRepository } from './leases/leases';
import type { StoreNotifications } from './notifications/store-notifications';

/** What answered an analytics query: the column cache, rollups, raw events or both. */
export type AnalyticsSource = AggSource;

export interface EventsRepository {
  insertBatch(events: readonly UsageEventInput[]): Promise<InsertResult>;
  list(filter: EventListFilter, page?: { limit?: number; cursor?: string | null }): Promise<EventPage>;
  get(id: number): Promise<StoredEvent | undefined>;
  count(): Promise<number>;
  /** Highest event id right now (0 when empty): where a reader that only wants new events starts. */
  maxId(): Promise<number>;
  /** Events after `afterEventId` that carry rate-limit headers or a failure body (oldest first). */
  evidenceAfter(afterEventId: number, limit: number): Promise<PoolEvidenceRow[]>;
  /** Re-computes cost with the current prices for events in [from, to) and rebuilds their rollups. */
  repriceRange(range: { from: number; to: number }): Promise<{
    updated: number;
    missingPrice: number;
    version: number;
  }>;
  /** Synchronous: registers a listener called after each committed batch; returns its removal. */
  onInserted(listener: (events: readonly StoredEventSummary[]) => void): () => void;
  /** One step of a per-model re-price; call again with `afterId = lastId` until `done`. */
  repriceChunk(req: RepriceChunkRequest): Promise<RepriceChunkResult>;
}

export interface AnalyticsRepository {
  totals(filter: AnalyticsFilter): Promise<Totals>;
  timeSeries(
    filter: AnalyticsFilter,
    opts: { granularity: 'hour' | 'day'; timeZone?: string; splitTopModels?: number },
  ): Promise<{
    points: SeriesPoint[];
    byModel: { model: string; points: SeriesPoint[] }[];
    source: AnalyticsSource;
  }>;
  breakdown(
    filter: AnalyticsFilter,
    opts: { by: BreakdownBy; sort?: BreakdownSort; order?: 'asc' | 'desc'; limit?: number; offset?: number },
  ): Promise<{ rows: BreakdownRow[]; total: number; source: AnalyticsSource }>;
  filterOptions(filter: AnalyticsFilter): Promise<{
    keys: { hash: string; label: string; alias: string | null; count: number }[];
    accounts: { authIndex: string; label: string; count: number; upstream?: string }[];
    models: { name: string; count: number }[];
    providers: { name: string; count: number }[];
    /** Upstream (CPA) names, in the order they were first stored. */
    upstreams: { name: string }[];
  }>;
  latencyPercentiles(
    filter: AnalyticsFilter,
    opts?: { by?: 'model' | 'none'; percentiles?: number[]; metric?: 'latency' | 'ttft' },
  ): Promise<{
    rows: { name: string; count: number; percentiles: (number | null)[] }[];
    source: AnalyticsSource;
  }>;
  heatmap(
    filter: AnalyticsFilter,
    opts?: { timeZone?: string },
  ): Promise<{
    cells: { weekday: number; hour: number; requests: number; tokens: number }[];
    source: AnalyticsSource;
  }>;
  /** Which engine answers now: the warm column cache, or rollups + SQL. */
  engine(): Promise<'cache' | 'sql'>;
  /** Top entities × top models with per-cell and total requests, tokens, cost and failures (one scan). */
  matrix(filter: AnalyticsFilter, opts: MatrixOptions): Promise<MatrixView>;
}

export interface PricesRepository {
  list(): Promise<ModelPrice[]>;
  get(model: string): Promise<ModelPrice | undefined>;
  /** A manual edit: never overwritten by a later sync. */
  set(model: string, price: PriceInput): Promise<ModelPrice>;
  delete(model: string): Promise<boolean>;
  currentVersion(): Promise<number>;
  /** The price for an event's model, trying the resolved model, then the alias, then name variants. */
  lookup(model: string, alias: string): Promise<ModelPrice | undefined>;
  sync(source: PriceSource, opts?: { models?: string[]; select?: Record<string, string> } & PriceEditOptions): Promise<PriceSyncReport>;
  /** A manual edit with its effective date (null: all history); the caller re-prices the range. */
  apply(model: string, price: PriceInput, opts?: PriceEditOptions): Promise<PriceChange>;
  /** Every version of a model's price with its effective range, oldest first. */
  versions(model: string): Promise<PriceVersion[]>;
  /** The price in effect for an event of `model` / `alias` at `ts`. */
  priceAt(model: string, alias: string, ts: number): Promise<ModelPrice | undefined>;
}

export interface AccountsRepository {
  list(): Promise<Account[]>;
  get(authIndex: string): Promise<Account | undefined>;
  /** Records what CPA's /auth-files says now; only non-empty fields overwrite. */
  upsertSnapshot(snapshot: AccountSnapshotInput): Promise<Account>;
  /** Marks every account not in `present` as deleted (history survives auth-file deletion). */
  markMissing(present: readonly string[]): Promise<number>;
  /** id → display label (email, else label, else file name) for breakdowns. */
  labels(): Promise<Map<number, string>>;
}

export interface ApiKeysRepository {
  list(): Promise<ApiKeyInfo[]>;
  /** Alias keyed by the key hash; null clears it. Creates the key entry if unseen. */
  setAlias(hash: string, alias: string | null): Promise<void>;
}

export interface SettingsRepository {
  /** The JSON value stored under `key`; undefined when none. */
  get<T = unknown>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<void>;
  /** The CPA management key, decrypted; undefined when none is stored. */
  getManagementKey(): Promise<string | undefined>;
  setManagementKey(key: string): Promise<void>;
  clearManagementKey(): Promise<void>;
  /**
   * A secret sealed with the data key under `name` (e.g. a CPA's management key added in the panel),
   * decrypted; undefined when none is stored. Stored as the settings row `secret:<name>`.
   */
  getSecret(name: string): Promise<string | undefined>;
  setSecret(name: string, value: string): Promise<void>;
  deleteSecret(name: string): Promise<void>;
}

export interface MaintenanceRepository {
  /** Deletes raw events older than the cutoff in batches; rollups are kept. */
  pruneByAge(olderThanMs: number): Promise<RetentionResult>;
  /**
   * Deletes the oldest raw events until the database fits in `maxBytes` (rollups are kept). Postgres
   * measures its live data (space freed earlier is reused, not returned to the file system).
   */
  pruneToSize(maxBytes: number): Promise<RetentionResult>;
  incrementalVacuum(pages?: number): Promise<number>;
  checkpoint(mode?: 'PASSIVE' | 'TRUNCATE'): Promise<{ busy: number; log: number; checkpointed: number }>;
  /**
   * Synchronous: starts the periodic PASSIVE checkpoint (TRUNCATE when the WAL outgrows
   * `walLimitBytes` and is caught up); returns its stop handle. On Postgres (which checkpoints itself)
   * checkpoint() and schedule() do nothing.
   */
  schedule(opts?: { intervalMs?: number; walLimitBytes?: number }): { stop(): void };
  storageReport(): Promise<StorageReport>;
  /**
   * Folds raw events into the deferred rollup tiers up to the current hour (rollups/fold-tier.ts), in chunks of
   * one transaction each; the store also does it in the background (foldIntervalMs). Returns the chunks run.
   */
  foldRollups(): Promise<{ steps: number }>;
}

export interface ImportExportRepository {
  /** JSONL export (our format, every field), streamed in chunks of lines. */
  exportJsonl(opts?: ExportOptions): AsyncGenerator<string>;
  /** JSONL import: our export, Plus / CPA-Manager exports, raw CPA queue records (auto-detected per line). */
  importJsonl(source: ImportSource, opts?: ImportOptions): Promise<ImportReport>;
  /** CPA legacy usage snapshot (details[] only). */
  importLegacySnapshot(
    source: string | Record<string, unknown>,
    opts: { normalize: NormalizeFn } & Omit<ImportOptions, 'normalize'>,
  ): Promise<ImportReport>;
  /** Direct migration from a Plus / CPA-Manager usage.sqlite (opened read-only). */
  importSqlite(
    path: string,
    opts: { normalize: NormalizeFn } & Omit<ImportOptions, 'normalize'>,
  ): Promise<ImportReport>;
  /** Detects the file's format (JSONL vs a whole-file legacy snapshot vs SQLite) and imports it. */
  importFile(path: string, opts?: ImportOptions): Promise<ImportReport>;
  /** The compatible legacy `/usage` payload, streamed. */
  usagePayload(opts: UsagePayloadOptions): AsyncGenerator<string>;
  /**
   * The same payload as UTF-8 (in fact ASCII) byte chunks: what an HTTP response should stream (no
   * string per chunk, no re-encoding on write). Optional: a store may only have the string form.
   */
  usagePayloadBytes?(opts: UsagePayloadOptions): AsyncGenerator<Uint8Array>;
}

/**
 * The account pool: CPA's auth files as the pool sees them, quota windows and their history,
 * inspection runs and results, the auth-issue queue, the action log and the disables cpamp owns.
 */
export interface PoolRepository {
  /** Replaces the pool's view of CPA's auth files; accounts not listed are marked deleted. */
  syncAccounts(accounts: readonly PoolAccountSnapshot[]): Promise<{ upserted: number; missing: number }>;
  listAccounts(opts?: { includeDeleted?: boolean }): Promise<PoolAccountRow[]>;
  getAccount(authIndex: string): Promise<PoolAccountRow | undefined>;
  setAccountDisabled(authIndex: string, disabled: boolean): Promise<void>;
  /** Upserts the current windows (newer observations win) and appends history (thinned). */
  recordWindows(authIndex: string, windows: readonly PoolWindowRow[]): Promise<void>;
  /** recordWindows for many accounts in one transaction. */
  recordWindowsBatch(
    entries: readonly { authIndex: string; windows: readonly PoolWindowRow[] }[],
  ): Promise<void>;
  windows(authIndex: string): Promise<PoolWindowRow[]>;
  allWindows(): Promise<Map<string, PoolWindowRow[]>>;
  windowHistory(authIndex: string, sinceMs: number): Promise<PoolWindowPoint[]>;
  /** History of every account since `sinceMs` (oldest first). */
  historySince(sinceMs: number): Promise<PoolWindowPoint[]>;
  /** Average remaining % per provider, window and time bucket since `sinceMs` (the pool series). */
  historyBuckets(
    sinceMs: number,
    bucketMs: number,
  ): Promise<{ provider: string; plan: string | null; accounts: number; window: string; tMs: number; remainingPercent: number }[]>;
  /** Per account and window: the earliest observation since `sinceMs` in the current cycle (for slopes). */
  cycleStarts(
    sinceMs: number,
  ): Promise<Map<string, { tMs: number; usedPercent: number; resetAtMs: number | null }>>;

  /** `upstream`: the one CPA the run probes (several CPAs); absent or null for several or every CPA. */
  createRun(run: {
    trigger: 'manual' | 'schedule';
    total: number;
    dryRun: boolean;
    upstream?: string | null;
  }): Promise<PoolRunRow>;
  updateRun(
    id: number,
    patch: {
      done?: number;
      counts?: Record<PoolInspectionResultKind, number>;
      state?: PoolRunState;
      error?: string | null;
      total?: number;
    },
  ): Promise<PoolRunRow>;
  getRun(id: number): Promise<PoolRunRow | undefined>;
  /** Newest first; with `upstream`, the runs that probed that CPA: its own and those over every CPA (null). */
  listRuns(limit: number, opts?: { upstream?: string }): Promise<PoolRunRow[]>;
  /** Marks runs left 'running' by a previous process as failed (interrupted). */
  interruptRunningRuns(): Promise<number>;
  addResults(results: readonly PoolResultRow[]): Promise<void>;
  listResults(
    runId: number,
    opts: { result?: PoolInspectionResultKind; limit: number; offset: number; upstream?: string },
  ): Promise<{ items: PoolResultRow[]; total: number }>;
  /** A run's result counts per CPA (read off each result's pool key) and kind. */
  resultCountsByUpstream(runId: number): Promise<{ upstream: string; result: PoolInspectionResultKind; n: number }[]>;
  resultsFor(authIndex: string, limit: number): Promise<PoolResultRow[]>;

  /** Upserts the unresolved issue of this account and kind (count +1); an ignored one stays ignored. */
  upsertIssue(issue: {
    authIndex: string;
    fileName: string | null;
    provider: string;
    issue: PoolIssueKind;
    detail: string;
  }): Promise<PoolIssueRow>;
  listIssues(state?: PoolIssueState, limit?: number): Promise<PoolIssueRow[]>;
  getIssue(id: number): Promise<PoolIssueRow | undefined>;
  setIssueState(id: number, state: PoolIssueState): Promise<PoolIssueRow | undefined>;
  /** Resolves the unresolved issues of one account (e.g. a later probe was fine); returns them. */
  resolveIssuesOf(authIndex: string, kinds?: readonly PoolIssueKind[]): Promise<PoolIssueRow[]>;
  /** Open issues per account, of the given kinds (default: every kind). */
  openIssueCounts(kinds?: readonly PoolIssueKind[]): Promise<Map<string, number>>;

  logAction(a: Omit<PoolActionRow, 'id' | 'atMs'>): Promise<PoolActionRow>;
  /** Newest first; `beforeId` pages to older rows. */
  listActions(opts: { limit: number; beforeId?: number; authIndex?: string }): Promise<PoolActionRow[]>;

  setOwnership(o: Omit<PoolOwnershipRow, 'updatedAtMs'>): Promise<PoolOwnershipRow>;
  getOwnership(authIndex: string): Promise<PoolOwnershipRow | undefined>;
  listOwnership(): Promise<PoolOwnershipRow[]>;
  dropOwnership(authIndex: string): Promise<boolean>;

  /** Maps auth_indexes to canonical account keys (account_identity); a re-link moves the index. */
  linkIdentities(rows: readonly { authIndex: string; accountKey: string; provider: string | null }[]): Promise<void>;
  /** auth_index → account key, for every index ever linked. */
  identities(): Promise<Map<string, string>>;

  /** Applies retention to history, runs, actions and resolved issues. */
  prune(opts?: PoolRetention): Promise<{ history: number; runs: number; actions: number; issues: number }>;
}

/** Alert rules, channels, incidents (de-duplication and quiet periods) and the delivery log. */
export interface AlertsRepository {
  listRules(): Promise<AlertRuleRecord[]>;
  getRule(id: number): Promise<AlertRuleRecord | null>;
  createRule(input: AlertRuleInput): Promise<AlertRuleRecord>;
  /** Null when the rule does not exist. */
  updateRule(id: number, patch: Partial<AlertRuleInput>): Promise<AlertRuleRecord | null>;
  /** Deletes the rule; its open incidents are closed (history is kept). */
  deleteRule(id: number): Promise<boolean>;

  listChannels(): Promise<AlertChannelRecord[]>;
  getChannel(id: number): Promise<AlertChannelRecord | null>;
  createChannel(input: AlertChannelInput): Promise<AlertChannelRecord>;
  updateChannel(id: number, patch: Partial<AlertChannelInput>): Promise<AlertChannelRecord | null>;
  /** Deletes the channel, removes it from every rule and fails its pending retries. */
  deleteChannel(id: number): Promise<boolean>;
  /** The decrypted secret (webhook HMAC secret or Telegram bot token); null when none or undecryptable. */
  channelSecret(id: number): Promise<string | null>;

  /** Opens an incident; opening counts as notifying (lastNotifiedAtMs = atMs). */
  openIncident(input: {
    ruleId: number;
    kind: string;
    subject: string;
    severity: string;
    message: string;
    atMs: number;
  }): Promise<AlertIncidentRecord>;
  findOpenIncident(ruleId: number, subject: string): Promise<AlertIncidentRecord | null>;
  /** Open incidents, optionally of one kind and subject. */
  openIncidents(filter?: { kind?: string; subject?: string }): Promise<AlertIncidentRecord[]>;
  /** Another sighting of an open incident: count + 1, lastSeen, message; `notified` moves lastNotifiedAtMs. */
  touchIncident(
    id: number,
    atMs: number,
    message: string,
    notified: boolean,
  ): Promise<AlertIncidentRecord | null>;
  markNotified(id: number, atMs: number): Promise<void>;
  resolveIncident(id: number, atMs: number): Promise<AlertIncidentRecord | null>;
  getIncident(id: number): Promise<AlertIncidentRecord | null>;
  listIncidents(opts?: { state?: AlertIncidentState; limit?: number }): Promise<AlertIncidentRecord[]>;

  insertDelivery(input: AlertDeliveryInput): Promise<AlertDeliveryRecord>;
  updateDelivery(id: number, update: AlertDeliveryUpdate): Promise<AlertDeliveryRecord | null>;
  getDelivery(id: number): Promise<AlertDeliveryRecord | null>;
  listDeliveries(opts?: { limit?: number; channelId?: number }): Promise<AlertDeliveryRecord[]>;
  /** Deliveries in state 'retrying' whose next attempt is due at `nowMs`, oldest first. */
  dueDeliveries(nowMs: number, limit?: number): Promise<AlertDeliveryRecord[]>;
  /** Keeps the newest `maxDeliveries` deliveries and `maxResolvedIncidents` resolved incidents. */
  prune(opts?: {
    maxDeliveries?: number;
    maxResolvedIncidents?: number;
  }): Promise<{ deliveries: number; incidents: number }>;
}

/** Everything a store offers, whatever the database. */
export interface StoreRepositories {
  readonly events: EventsRepository;
  readonly analytics: AnalyticsRepository;
  readonly prices: PricesRepository;
  readonly accounts: AccountsRepository;
  readonly apiKeys: ApiKeysRepository;
  readonly settings: SettingsRepository;
  readonly maintenance: MaintenanceRepository;
  /** Imports, exports and the compatible `/usage` payload. */
  readonly io: ImportExportRepository;
  readonly pool: PoolRepository;
  readonly alerts: AlertsRepository;
  /** Acks and mutes of alert incidents and rules. */
  readonly alertSilences: AlertSilencesAsync;
  /** Background jobs (the server's job runner). */
  readonly jobs: JobsRepository;
  /** Budgets per API key, enforcement holds, the budget log and read-only share links. */
  readonly budgets: BudgetsRepository;
  /** Named analytics views (the Monitoring page's saved range, filters and tab). */
  readonly savedViews: SavedViewsRepository;
  /** Named leases with a holder and an expiry: which instance collects, which runs the schedulers. */
  readonly leases: LeasesRepository;
  /** Insert batches committed by other instances sharing the database (Postgres); absent on SQLite. */
  readonly notifications?: StoreNotifications;
  /** Shorthand for events.insertBatch: the store satisfies the collector's UsageSink. */
  insertBatch(events: readonly UsageEventInput[]): Promise<InsertResult>;
  /** Stops background work and releases the database; idempotent. */
  close(): Promise<void>;
}

/** Acks and mutes of alerts (both dialects: SQLite migration 0011, Postgres 0014). */
export interface AlertSilencesAsync {
  ack(incidentId: number, note?: string): Promise<AlertSilenceRecord>;
  unack(incidentId: number): Promise<boolean>;
  mute(input: { scope: 'incident' | 'rule'; targetId: number; untilMs: number | null; note?: string }): Promise<AlertSilenceRecord>;
  remove(id: number): Promise<boolean>;
  active(nowMs: number): Promise<AlertSilenceRecord[]>;
  pruneExpired(nowMs: number): Promise<number>;
}
