import type { AccountsRepository, ApiKeysRepository } from '../accounts/accounts.repository';
import type { AnalyticsRepository } from '../analytics/analytics.repository';
import type { EventsRepository } from '../events/events.repository';
import type { JobsRepository } from '../jobs/jobs.repository';
import type { PricesRepository } from '../prices/prices.repository';
import type { SettingsRepository } from '../settings/settings.repository';
import type { InsertResult, UsageEventInput } from '../types';

/** Every method of T returning a Promise of what it returned (the Postgres store is async). */
export type Promisified<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : T[K];
};

/** Every method of T returning its value or a Promise of it: both stores satisfy this, `await` reads both. */
export type Awaitable<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R
    ? (...args: A) => Awaited<R> | Promise<Awaited<R>>
    : T[K];
};

/** Registering a listener stays synchronous; everything else returns a Promise. */
export type AsyncEventsRepository = Promisified<Omit<EventsRepository, 'onInserted'>> &
  Pick<EventsRepository, 'onInserted'>;
export type AsyncAnalyticsRepository = Promisified<AnalyticsRepository>;
export type AsyncPricesRepository = Promisified<PricesRepository>;
export type AsyncAccountsRepository = Promisified<AccountsRepository>;
export type AsyncApiKeysRepository = Promisified<ApiKeysRepository>;

/** Written out rather than mapped: a mapped type would drop the generic of `get<T>`. */
export interface AsyncSettingsRepository {
  get<T = unknown>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<void>;
  getManagementKey(): Promise<string | undefined>;
  setManagementKey(key: string): Promise<void>;
  clearManagementKey(): Promise<void>;
}

/** The repositories of the Postgres store: the SQLite interfaces with Promise-returning methods. */
export interface AsyncRepositories {
  readonly events: AsyncEventsRepository;
  readonly analytics: AsyncAnalyticsRepository;
  readonly prices: AsyncPricesRepository;
  readonly accounts: AsyncAccountsRepository;
  readonly apiKeys: AsyncApiKeysRepository;
  readonly settings: AsyncSettingsRepository;
  /** Already async in both dialects. */
  readonly jobs: JobsRepository;
  /** Shorthand for events.insertBatch: the store satisfies the collector's UsageSink. */
  insertBatch(events: readonly UsageEventInput[]): Promise<InsertResult>;
  close(): Promise<void>;
}

/**
 * What both `Store` (SQLite, synchronous) and `PgStore` (Postgres) satisfy: code that `await`s every
 * call works against either, e.g. the shared repository test suite.
 */
export interface RepositoriesLike {
  readonly events: Awaitable<EventsRepository>;
  readonly analytics: Awaitable<AnalyticsRepository>;
  readonly prices: Awaitable<PricesRepository>;
  readonly accounts: Awaitable<AccountsRepository>;
  readonly apiKeys: Awaitable<ApiKeysRepository>;
  readonly settings: Awaitable<SettingsRepository>;
  readonly jobs: JobsRepository;
  insertBatch(events: readonly UsageEventInput[]): InsertResult | Promise<InsertResult>;
  close(): Promise<void>;
}
