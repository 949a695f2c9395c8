export { openStore } from './open-store';
export type { OpenStoreOptions, Store, StoreTables } from './open-store';
export { StoreError, StoreImportError, isStoreError } from './errors';
export type { StoreErrorCode } from './errors';
export type { UsageEventInput, InsertResult, StoredEvent, NormalizeFn, StoreLogger } from './types';
export type {
  EventsRepository,
  EventListFilter,
  EventPage,
  StoredEventSummary,
} from './events/events.repository';
export type {
  AnalyticsRepository,
  AnalyticsFilter,
  Totals,
  TokenTotals,
  SeriesPoint,
  BreakdownRow,
  BreakdownBy,
  BreakdownSort,
} from './analytics/analytics.repository';
export type { PricesRepository, PriceInput, PriceSource, PriceSyncReport } from './prices/prices.repository';
export { computeCost, effectiveServiceTier, LONG_CONTEXT_THRESHOLD } from './prices/cost';
export type { ModelPrice, CostInput, CostResult, ServiceTier, TierRates } from './prices/cost';
export { modelNameCandidates, analyticsModel } from './prices/model-match';
export type {
  AccountsRepository,
  Account,
  AccountSnapshotInput,
  ApiKeysRepository,
  ApiKeyInfo,
} from './accounts/accounts.repository';
export type { SettingsRepository } from './settings/settings.repository';
export type { Maintenance, StorageReport, RetentionResult } from './maintenance/maintenance';
export type { ImportExport } from './io/import-export';
export type { ImportOptions } from './io/import-jsonl';
export type { ImportReport, ImportProgress } from './io/import-session';
export type { ExportOptions } from './io/export';
export type { UsagePayloadOptions } from './io/usage-payload';
export { latencyBucket, percentileFromHistogram, LATENCY_BUCKETS } from './events/latency-buckets';
export type { PoolRepository } from './pool/pool.repository';
export type {
  PoolWindowSource,
  PoolInspectionResultKind,
  PoolSuggestedAction,
  PoolIssueKind,
  PoolIssueState,
  PoolActionKind,
  PoolActor,
  PoolRunState,
  PoolAccountRow,
  PoolAccountSnapshot,
  PoolWindowRow,
  PoolWindowPoint,
  PoolRunRow,
  PoolResultRow,
  PoolIssueRow,
  PoolActionRow,
  PoolOwnershipRow,
  PoolEvidenceRow,
  PoolRetention,
} from './pool/pool.types';
export type { AlertsRepository } from './alerts/alerts.repository';
export type {
  AlertSeverityLevel,
  AlertParams,
  AlertRuleRecord,
  AlertRuleInput,
  AlertChannelType,
  AlertChannelConfig,
  AlertChannelRecord,
  AlertChannelInput,
  AlertIncidentState,
  AlertIncidentRecord,
  AlertDeliveryState,
  AlertDeliveryEvent,
  AlertDeliveryRecord,
  AlertDeliveryInput,
  AlertDeliveryUpdate,
} from './alerts/alerts.types';
export {
  backupSqliteFile,
  checkSqliteFile,
  listMigrationBackups,
  removeMigrationBackups,
} from './backup/sqlite-backup';
export { openPgStore } from './pg/open-pg-store';
export type { OpenPgStoreOptions, PgStore } from './pg/open-pg-store';
export type {
  AsyncRepositories,
  AsyncEventsRepository,
  AsyncAnalyticsRepository,
  AsyncPricesRepository,
  AsyncAccountsRepository,
  AsyncApiKeysRepository,
  AsyncSettingsRepository,
  RepositoriesLike,
  Promisified,
  Awaitable,
} from './pg/async-repositories';
