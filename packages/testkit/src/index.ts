export const PACKAGE_NAME = '@cpamp/testkit';

// Harness-misuse errors (closed code union).
export { TestkitError, isTestkitError } from './errors';
export type { TestkitErrorCode, TestkitErrorOptions } from './errors';

// Fake CPA (management API + usage queue over HTTP and RESP on one port).
export { startFakeCpa, DEFAULT_MANAGEMENT_KEY, DEFAULT_VERSION } from './fake-cpa/server';
export { fakeAuthIndex, configAuthIndex } from './fake-cpa/state';
export { goDuration } from './fake-cpa/auth';
export { atLeast as cpaVersionAtLeast } from './fake-cpa/version';
export { SUBSCRIBER_BUFFER, SUPPORT_REFRESH_PAYLOAD, REFRESH_PAYLOAD } from './fake-cpa/usage-queue';
export type {
  FakeCpa,
  FakeCpaOptions,
  FakeAuthFile,
  FakeFaults,
  FakeCpaStats,
  SecondConsumer,
  ApiCallRequest,
  ApiCallResponse,
  ApiCallResponder,
} from './fake-cpa/types';
export { connectResp, encodeCommand, RespReplyError } from './fake-cpa/resp-client';
export type { RespReply, RespTestClient } from './fake-cpa/resp-client';

// Deterministic usage generator (docs/design.md, "The benchmark data set").
export {
  generateUsage,
  DEFAULT_END_MS as USAGE_DEFAULT_END_MS,
  LATEST_CPA_VERSION as USAGE_DEFAULT_CPA_VERSION,
} from './generator/generate-usage';
export { generateAccounts, generateAccountPool, generateProviderConfig } from './generator/accounts';
export { emitUsage } from './generator/emit-usage';
export { formatCpaTimestamp } from './generator/timestamp';
export { MODEL_CATALOG, providerFamilyOf } from './generator/catalog';
export type {
  CpaUsageRecord,
  CpaLegacyTokens,
  CpaTokenBreakdown,
  TokenQuality,
  ProviderFamily,
  GeneratedAccount,
  GenerateUsageOptions,
  GenerateAccountsOptions,
} from './generator/types';
export type { ProviderConfigLists } from './generator/accounts';
export type { ModelSpec } from './generator/catalog';
export type { UsageTarget, EmitUsageOptions, EmitUsageResult } from './generator/emit-usage';
export { createFakeQuotaAccounts } from './fake-cpa/quota-accounts';
export type { FakeQuotaAccounts, FakeQuotaInput, FakeQuotaState, FakeQuotaStateName, FakeQuotaWindowInput } from './fake-cpa/quota-accounts';
export { startFakeTelegram, type FakeTelegram, type FakeTelegramMessage } from './fake-telegram';
export { buildPlusDataDir, plusProtect, plusAdminCredential, plusEventRow, PLUS_SCHEMA } from './plus-data-dir';
export type { PlusDataDir, PlusDataDirOptions, SqliteCtor } from './plus-data-dir';

// A throwaway PostgreSQL cluster (initdb + postgres on a unix socket) for Postgres tests.
export { startTestPostgres, pgTestsDisabled } from './postgres';
export type { TestPostgres, TestPostgresOptions } from './postgres';
