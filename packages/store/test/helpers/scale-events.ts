// Many events of a regular shape, for tests that compare two ways of answering the same views (cache vs SQL,
// rollups vs raw events, a migrated store vs a fresh one): each field cycles with the event's index.
import type { PgStoreRepositories, UsageEventInput } from '../../src/index';
import { hash, makeEvent } from './events';

export interface ScaleShape {
  /** Event i lands at start + i × stepMs (see lateIds). */
  start: number;
  stepMs: number;
  /** Every 50th event (i % 50 === 49) carries the time of event i − 40: ids no longer follow time. */
  lateIds?: boolean;
  /** models[i % length]; providers likewise (makeEvent's provider where not given). */
  models: readonly string[];
  providers?: readonly string[];
  /** apiKeyHash: keys[i % length] (makeEvent's key where not given). */
  keys?: readonly string[];
  /** authIndex: `acc${i % accounts}`. */
  accounts: number;
  /** Events with i % every === 0 fail with that status. */
  fail?: { every: number; status: number };
  /** growing: input 1000 + i, output 50 + i; cycling: input 100 + i, output 10 + i % 17. */
  tokens: 'growing' | 'cycling';
  /** Further fields of event i (latencies, TTFTs). */
  more?: (i: number) => Partial<UsageEventInput>;
}

export function scaleEvents(n: number, shape: ScaleShape): UsageEventInput[] {
  const pick = <T>(list: readonly T[] | undefined, i: number) => (list ? { v: list[i % list.length]! } : undefined);
  return Array.from({ length: n }, (_, i) => {
    const slot = shape.lateIds && i % 50 === 49 ? i - 40 : i;
    const provider = pick(shape.providers, i);
    const key = pick(shape.keys, i);
    const failed = shape.fail ? i % shape.fail.every === 0 : undefined;
    return makeEvent({
      timestampMs: shape.start + slot * shape.stepMs,
      model: shape.models[i % shape.models.length]!,
      ...(provider && { provider: provider.v }),
      ...(key && { apiKeyHash: key.v }),
      authIndex: `acc${i % shape.accounts}`,
      ...(shape.fail && { failed, statusCode: failed ? shape.fail.status : 200 }),
      ...(shape.tokens === 'growing'
        ? { inputTokens: 1000 + i, outputTokens: 50 + i }
        : { inputTokens: 100 + i, outputTokens: 10 + (i % 17) }),
      ...shape.more?.(i),
    });
  });
}

/** gpt-5 for two events of three, another model for the third (i % 3 === 0). */
export const twoModels = (other: string): string[] => [other, 'gpt-5', 'gpt-5'];
/** codex for gpt-5, claude for the other, matching twoModels. */
export const TWO_PROVIDERS = ['claude', 'codex', 'codex'];

/**
 * The day-dims / pg-dims migration tests' spread: three models and providers, five keys, seven accounts, every
 * 11th event failed, growing tokens.
 */
export const DIMS_SHAPE = {
  models: ['gpt-5', 'claude-x', 'gemini-y'],
  providers: ['codex', 'claude', 'gemini'],
  keys: [0, 1, 2, 3, 4].map((k) => k.toString(16).repeat(64)),
  accounts: 7,
  fail: { every: 11, status: 502 },
  tokens: 'growing',
} as const satisfies Omit<ScaleShape, 'start' | 'stepMs'>;
/** Latencies of the dims shape: spread over 40 ms – 9 s. */
export const dimsLatency = (i: number): number => 40 + ((i * 97) % 9000);
/** TTFTs of the dims shape: none for every 4th event, else spread over 10 ms – 2 s. */
export const dimsTtft = (i: number): number => (i % 4 === 0 ? 0 : 10 + ((i * 31) % 2000));
/** apiKeyHash values of the client keys `sk-key-0` … `sk-key-${n - 1}`. */
export const skKeys = (n: number): string[] => Array.from({ length: n }, (_, k) => hash(`sk-key-${k}`));

/**
 * perDay events a day (one a second from midnight) for `days` days from start, one insert per day: five accounts,
 * three keys, every 7th event with a 500-byte failure body, and marked failed (500) where `failures` says so.
 */
export async function fillDays(
  s: Pick<PgStoreRepositories, 'insertBatch'>,
  start: number,
  { days, perDay, failures }: { days: number; perDay: number; failures: boolean },
): Promise<void> {
  for (let d = 0; d < days; d++)
    await s.insertBatch(
      Array.from({ length: perDay }, (_, i) =>
        makeEvent({
          timestampMs: start + d * 86_400_000 + i * 1000,
          authIndex: `acc${i % 5}`,
          apiKeyHash: `k${i % 3}`.padEnd(64, '0'),
          ...(failures && { failed: i % 7 === 0, statusCode: i % 7 === 0 ? 500 : 200 }),
          failBody: i % 7 === 0 ? 'x'.repeat(500) : '',
        }),
      ),
    );
}
