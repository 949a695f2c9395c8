export { openStore } from './open-store';
export type { ColumnCacheStatus, OpenStoreOptions, Store } from './open-store';
export type {
  StoreRepositories,
  EventsRepository,
  AnalyticsRepository,
  AnalyticsSource,
  PricesRepository,
  AccountsRepository,
  ApiKeysRepository,
  SettingsRepository,
  MaintenanceRepository,
  ImportExportRepository,
  PoolRepository,
  AlertsRepository,
} from './repositories';
export { StoreError, StoreImportError, isStoreError } from './errors';
export type { StoreErrorCode } from './errors';
export type { UsageEventInput, InsertResult, StoredEvent, NormalizeFn, StoreLogger } from './types';
export type {
  EventListFilter,
  EventPage,
  StoredEventSummary,
} from './events/events.repository';
export type {
  AnalyticsFilter,
  Totals,
  TokenTotals,
  SeriesPoint,
  BreakdownRow,
  BreakdownBy,
  BreakdownSort,
} from './analytics/analytics.repository';
export type { PriceInput, PriceSource, PriceSyncReport } from './prices/prices.repository';
export { computeCost, effectiveServiceTier, LONG_CONTEXT_THRESHOLD } from './prices/cost';
export type { ModelPrice, CostInput, CostResult, ServiceTier, TierRates } from './prices/cost';
export { modelNameCandidates, analyticsModel } from './prices/model-match';
export type { Account, AccountSnapshotInput, ApiKeyInfo } from './accounts/accounts.repository';
export type { StorageReport, RetentionResult } from './maintenance/maintenance';
export type { ImportOptions } from './io/import-jsonl';
export type { ImportReport, ImportProgress } from './io/import-session';
export type { ExportOptions } from './io/export';
export type { UsagePayloadOptions } from './io/usage-payload';
export { latencyBucket, percentileFromHistogram, LATENCY_BUCKETS } from './events/latency-buckets';
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
export type { JobsRepository } from './jobs/jobs.repository';
export type { BudgetsRepository } from './budgets/budgets.repository';
export type {
  BudgetPeriod,
  KeyBudget,
  KeyBudgetInput,
  BudgetHold,
  BudgetActionKind,
  BudgetLogRow,
  ShareLink,
  ShareLinkInput,
} from './budgets/budgets.types';
export {
  backupSqliteFile,
  checkSqliteFile,
  listMigrationBackups,
  removeMigrationBackups,
} from './backup/sqlite-backup';
export type {
  JobState,
  JobRecord,
  JobProgress,
  JobError,
  JobCreateInput,
  JobUpdate,
  JobListFilter,
} from './jobs/jobs.types';
export { openPgStore } from './pg/open-pg-store';
export type { OpenPgStoreOptions, PgStore, PgStoreRepositories } from './pg/open-pg-store';
// Switching from CPA Manager Plus: its data key forms, its sealed secrets, what its database holds besides events.
export { derivePlusDataKey, parseDataKey, parseStoredDataKey } from './crypto/data-key';
export { plusUnprotect } from './crypto/plus-secret';
export { readPlusSource } from './io/plus-source';
export type { PlusSource, PlusConnection, PlusPrice, PlusOwnedDisable, PlusAdminCredential, PlusCollectorSettings } from './io/plus-source';
export { toPlusExportRecord, toPlusExportLines } from './io/plus-export';
export { dashboardView } from './analytics/dashboard-view';
export type { DashboardView, DashboardOptions, DashboardTop, DashboardFailure } from './analytics/dashboard-view';
export type { AlertSilencesAsync } from './repositories';
export type { AlertSilenceRecord } from './alerts/alert-silences.repository';
export { explainCost } from './prices/cost-explain';
export type { CostExplanation, CostLine } from './prices/cost-explain';
export { resolveRates, selectContextTier } from './prices/cost';
export type { ContextTier, CostBucket, RateSource } from './prices/cost';
export type { PriceVersion } from './prices/price-versions';
export type { PriceChange, PriceEditOptions } from './prices/prices.repository';
export type { RepriceChunkRequest, RepriceChunkResult } from './events/event-reprice-chunk';
export { usdDecimal } from './io/export-units';
export type { SavedView, SavedViewsRepository } from './views/saved-views';
export { detectPriceFormat, parseModelsDev, parseOpenRouter } from './prices/price-formats';
export type { PriceFileFormat } from './prices/price-formats';
export { accountKey, DEFAULT_UPSTREAM } from './accounts/account-key';
export type { AccountKeyInput } from './accounts/account-key';
export { copyFromSqlite } from './pg/copy-from-sqlite';
export type { CopyFromSqliteOptions, CopyFromSqliteReport, CopyProgress, CopiedTable } from './pg/copy-from-sqlite';
export type { CopyCheck } from './pg/copy-verify';
export type { LeaseRecord, LeasesRepository } from './leases/leases';
export type {
  InsertNotice,
  NotificationSubscription,
  StoreNotifications,
} from './notifications/store-notifications';
export { DEFAULT_UPSTREAM_ID, upstreamDedupKey, upstreamOf } from './events/event-upstream';
export type { MatrixView, MatrixOptions, MatrixBy, MatrixSort, MatrixCell } from './analytics/matrix-view';
export { MATRIX_MAX_ROWS, MATRIX_MAX_COLUMNS } from './analytics/matrix-view';
export { accountOnCpa, parseAccountToken } from './analytics/account-on-cpa';
