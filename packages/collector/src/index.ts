export const PACKAGE_NAME = '@cpamp/collector';

export { CollectorError, CollectorUnsupportedError, CollectorAuthError, isCollectorError } from './errors';
export type { CollectorErrorCode } from './errors';
export type {
  UsageEvent,
  UsageSink,
  InsertResult,
  TokenQuality,
  DeadLetter,
  DeadLetterSink,
  CoverageGap,
  CoverageKind,
  CoverageSink,
  CollectorLogger,
} from './usage-event';
export { normalizeRecord, controlPayloadKind, dedupKeyOf } from './normalize';
export type { NormalizeOptions, NormalizeResult, ControlKind } from './normalize';
export { usageRecordSchema } from './record.schema';
export type { RawUsageRecord } from './record.schema';
export { parseTimestamp } from './timestamp';
export type { ParsedTimestamp } from './timestamp';
export { tokenSemantics } from './tokens';
export type { TokenSemantics, TokenBuckets } from './tokens';
export { maskSecret, redactSecrets, sha256Hex } from './redact';
export { createCollector } from './collector';
export type { Collector, CollectorOptions, CollectorEvents } from './collector';
export type { CollectorCpa } from './cpa-port';
export { COLLECTOR_MODES } from './status';
export type {
  CollectorStatus,
  CollectorState,
  CollectorMode,
  CollectorCounters,
  CollectorLastError,
} from './status';
export type { TransportName } from './transports/transport';
export type { DiagnoseReport, DiagnoseOptions, Finding, FindingId, Severity } from './doctor';
