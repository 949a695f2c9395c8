import type { UsageEventInput } from '../../src/index';
import { makeEvent } from '../helpers/events';

export const H = 3_600_000;
export const M = 60_000;
/** Thursday 2026-08-20 00:00 UTC. */
export const T0 = Date.UTC(2026, 7, 20, 0, 0, 0);
export const KEY_A = 'a'.repeat(64);
export const KEY_B = 'b'.repeat(64);

/**
 * Six events, small enough to compute every figure by hand (the expectations in the suite):
 *
 *  #  at        model     provider key acc  status lat   in    cacheRd out  reason  cost (gpt-5: in 1, out 10, cr 0.1)
 *  1  +0:10     gpt-5     codex    A   1    200    100   1000  0       100  0       2000
 *  2  +0:20     gpt-5     codex    A   1    200    200   2000  0       200  0       4000
 *  3  +1:10     claude-x  claude   B   2    502    400   500   0       0    0       unpriced
 *  4  +1:20     gpt-5     codex    B   2    200    800   3000  1000    300  50      6600
 *  5  +2:10     claude-x  claude   A   1    429    1600  100   0       0    0       unpriced
 *  6  +25:00    gpt-5     codex    A   1    200    3200  4000  0       400  0       8000
 */
export function dataset(): UsageEventInput[] {
  const row = (
    i: number,
    at: number,
    model: 'gpt-5' | 'claude-x',
    key: string,
    acc: 1 | 2,
    status: number,
    latencyMs: number,
    inputTokens: number,
    cacheReadTokens: number,
    outputTokens: number,
    reasoningTokens: number,
  ) =>
    makeEvent({
      dedupKey: `${i.toString(16).padStart(8, '0')}${'cd'.repeat(12)}`,
      requestId: (0xc0000000 + i).toString(16),
      timestampMs: T0 + at,
      model,
      alias: model,
      provider: model === 'gpt-5' ? 'codex' : 'claude',
      apiKeyHash: key,
      apiKeyLabel: key === KEY_A ? 'sk-a…' : 'sk-b…',
      authIndex: `acc${acc}`,
      source: acc === 1 ? 'one@example.com' : 'two@example.com',
      failed: status !== 200,
      statusCode: status,
      latencyMs,
      inputTokens,
      cacheReadTokens,
      outputTokens,
      reasoningTokens,
    });
  return [
    row(1, 10 * M, 'gpt-5', KEY_A, 1, 200, 100, 1000, 0, 100, 0),
    row(2, 20 * M, 'gpt-5', KEY_A, 1, 200, 200, 2000, 0, 200, 0),
    row(3, H + 10 * M, 'claude-x', KEY_B, 2, 502, 400, 500, 0, 0, 0),
    row(4, H + 20 * M, 'gpt-5', KEY_B, 2, 200, 800, 3000, 1000, 300, 50),
    row(5, 2 * H + 10 * M, 'claude-x', KEY_A, 1, 429, 1600, 100, 0, 0, 0),
    row(6, 25 * H, 'gpt-5', KEY_A, 1, 200, 3200, 4000, 0, 400, 0),
  ];
}

export const GPT5_PRICE = { input: 1, output: 10, cacheRead: 0.1 };
