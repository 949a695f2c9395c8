// Quota evidence from ordinary traffic: the store keeps selected rate-limit response headers and failure
// bodies of usage rows (event_extra). This scanner reads them after a watermark (no change to the insert
// path), records response-header windows, and hands 429 usage-limit and 401/403 failures to the automation.
import type { Automation } from './automation';
import { toWindowRows } from './inspection';
import { classifyXaiFailure, XAI_FREE_USAGE_COOLDOWN_MS } from './provider-probes';
import { usageLimitReset, windowsFromHeaders } from './quota-parse';
import { poolKey } from './pool-key';
import type { PoolDeps } from './types';

const WATERMARK_KEY = 'pool.evidence_watermark';
const BATCH = 2_000;

export interface EvidenceScanner {
  /** Reads (or sets, at the newest event) where scanning starts; scan() does it when not done yet. */
  init(): Promise<void>;
  /** Reads new evidence (at most `maxBatches` × 2000 rows); returns rows seen. */
  scan(maxBatches?: number): Promise<number>;
}

/** Only fresh traffic may disable an account (an import of old rows must not). */
const EXHAUSTION_MAX_AGE_MS = 15 * 60_000;
const AUTH_ISSUE_MAX_AGE_MS = 24 * 3_600_000;
const AUTH_FAILURE = /token_expired|token_revoked|invalid_grant|account_deactivated|deactivated_workspace|workspace_deactivated|invalid_api_key|authentication/i;
/** xAI's `permission_denied` on the chat endpoint: the credential is rejected (Plus: review it). */
const XAI_PERMISSION = /permission_denied/i;

export function createEvidenceScanner(d: PoolDeps, automation: Automation): EvidenceScanner {
  let watermark: number | undefined;
  let running = false;
  const start = async (): Promise<number> => {
    const stored = await d.settings.get<number>(WATERMARK_KEY);
    if (stored !== undefined) return stored;
    // Start at the present: history before the pool existed is not replayed.
    const now = await d.events.maxId();
    await d.settings.set(WATERMARK_KEY, now);
    return now;
  };

  return {
    async init() {
      watermark ??= await start();
    },
    async scan(maxBatches = 10) {
      if (running) return 0;
      running = true;
      let seen = 0;
      try {
        watermark ??= await start();
        for (let b = 0; b < maxBatches; b++) {
          const rows = await d.events.evidenceAfter(watermark, BATCH);
          if (rows.length === 0) break;
          for (const r of rows) {
            seen++;
            // Several CPAs: the event's CPA and auth_index make the pool's key (pool-key.ts).
            const key = poolKey(r.upstream, r.authIndex);
            const windows = windowsFromHeaders(r.headers, r.timestampMs);
            if (windows.length) await d.repo.recordWindows(key, toWindowRows(windows, r.timestampMs, 'response-header'));
            if (!r.failed || r.authIndex === '') continue;
            const age = d.now() - r.timestampMs;
            const acc = await d.repo.getAccount(key);
            if (!acc) continue;
            if (acc.provider === 'xai' && age <= EXHAUSTION_MAX_AGE_MS && classifyXaiFailure(r.statusCode, r.failBody ?? '') === 'free_quota_exhausted') {
              // xAI's free usage refills over a rolling 24 h with no published reset: cool down 24 h from the failure.
              await automation.onExhausted(acc, r.timestampMs + XAI_FREE_USAGE_COOLDOWN_MS, `xAI free usage exhausted (HTTP ${r.statusCode} at ${new Date(r.timestampMs).toISOString()})`);
            } else if (r.statusCode === 429 && age <= EXHAUSTION_MAX_AGE_MS) {
              const limit = usageLimitReset(r.failBody, r.timestampMs);
              const full = windows.filter((w) => (w.usedPercent ?? 0) >= 100 && w.resetAtMs !== null);
              const resetAt = limit?.resetAtMs ?? (full.length ? Math.max(...full.map((w) => w.resetAtMs as number)) : null);
              // A generic 429 (Retry-After alone) is not a quota exhaustion (Plus's rule).
              if ((limit || full.length) && (resetAt === null || resetAt > d.now())) await automation.onExhausted(acc, resetAt, `usage limit reached (HTTP 429 at ${new Date(r.timestampMs).toISOString()})`);
            } else if (
              (r.statusCode === 401 || r.statusCode === 403 || r.statusCode === 402) &&
              age <= AUTH_ISSUE_MAX_AGE_MS &&
              (AUTH_FAILURE.test(r.failBody ?? '') || (acc.provider === 'xai' && r.statusCode !== 402 && XAI_PERMISSION.test(r.failBody ?? '')))
            ) {
              const text = r.failBody ?? '';
              const issue = /deactivated/i.test(text) ? 'banned' : /expired/i.test(text) ? 'expired' : 'unauthorized';
              // Traffic evidence queues the issue; only a probe may auto-disable (401 alone is not proof).
              await automation.onAuthIssue(acc, issue, `HTTP ${r.statusCode} in traffic: ${text.slice(0, 200)}`, { allowAutoDisable: false });
            }
          }
          watermark = rows[rows.length - 1]!.eventId;
          await d.settings.set(WATERMARK_KEY, watermark);
          if (rows.length < BATCH) break;
        }
      } finally {
        running = false;
      }
      if (seen) d.invalidate('soft');
      return seen;
    },
  };
}
