import type { BreakdownRow } from '@cpamp/store';
import { describe, expect, it } from 'vitest';
import { perAuthIndex } from './account-rows';

const row = (name: string, requests: number, failures: number, upstream?: string): BreakdownRow => ({
  id: requests,
  name,
  label: `${name}@x.test`,
  requests,
  failures,
  tokens: {
    input: requests,
    cacheRead: 0,
    cacheCreation: 0,
    output: 1,
    reasoning: 0,
    unclassified: 0,
    total: requests + 1,
  },
  costMicros: 10 * requests,
  unpricedRequests: 0,
  lastSeenMs: requests,
  ...(upstream ? { upstream } : {}),
});

describe("Plus's one row per auth_index", () => {
  it('folds the rows of one auth_index on several CPAs and sorts again', () => {
    const rows = perAuthIndex([row('a1', 5, 0, 'east'), row('a2', 4, 3, 'east'), row('a1', 3, 1, 'default')]);
    expect(
      rows.map((r) => [
        r.name,
        r.requests,
        r.failures,
        r.tokens.total,
        r.costMicros,
        r.lastSeenMs,
        'upstream' in r,
      ]),
    ).toEqual([
      ['a1', 8, 1, 10, 80, 5, false],
      ['a2', 4, 3, 5, 40, 4, false],
    ]);
    expect(
      perAuthIndex(
        [row('a1', 5, 0, 'east'), row('a2', 4, 3, 'east'), row('a1', 3, 1, 'default')],
        'failures',
      ).map((r) => r.name),
    ).toEqual(['a2', 'a1']);
  });

  it('leaves rows of one CPA as they are', () => {
    const rows = [row('a2', 1, 0), row('a1', 9, 0)];
    expect(perAuthIndex(rows)).toEqual(rows);
  });
});
