// Plus's `codexInspection` block of /usage-service/config, read from cpamp's pool policy (cpamp inspects
// every provider in its policy on one schedule; Plus's probe user agents and xAI prompt have no cpamp setting,
// so Plus's defaults are echoed and the answer is marked partial).
import type { FastifyInstance } from 'fastify';
import type { PoolService } from '../pool/pool-service';

export const CODEX_INSPECTION_PARTIAL =
  'config.codexInspection.userAgent/xai*/usedPercentThreshold (Plus defaults, not cpamp settings)';

export function plusCodexInspection(pool: Pick<PoolService, 'policy'> | null) {
  const p = pool?.policy();
  const interval = p?.inspectionIntervalMinutes ?? 0;
  return {
    enabled: interval > 0,
    schedule: { mode: 'interval', intervalMinutes: interval > 0 ? interval : 60 },
    targetType: 'codex',
    targetTypes: p?.inspectionProviders ?? ['codex'],
    workers: p?.inspectionConcurrency ?? 4,
    deleteWorkers: p?.inspectionConcurrency ?? 4,
    timeout: 15_000,
    retries: 0,
    // 0: every account of the pool is probed (cpamp does not sample).
    sampleSize: 0,
    userAgent: 'codex_cli_rs/0.76.0 (Debian 13.0.0; x86_64) WindowsTerminal',
    xaiInferenceUserAgent: 'xai-grok-workspace/0.2.101',
    xaiInferenceModel: 'grok-4.5',
    xaiInferencePrompt: 'Reply with exactly OK.',
    usedPercentThreshold: 100,
    autoActionMode: p?.autoDisableOnExhaustion ? 'disable' : 'none',
  };
}

/** The pool service when the server runs with a store (the pool plugin registers after the setup routes). */
export function poolOf(app: FastifyInstance): PoolService | null {
  return app.hasDecorator('pool')
    ? ((app as unknown as { pool: PoolService | undefined }).pool ?? null)
    : null;
}
