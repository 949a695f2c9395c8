import { describe, expect, it } from 'vitest';
import type { AuthFile } from '../api/cpa.schema';
import { countBy, effectiveStatus, matchesSearch, providerMatrix, sumTraffic } from './auth-stats';

const f = (o: Partial<AuthFile> & { name: string }) => o as AuthFile;

describe('auth file stats', () => {
  const files = [
    f({ name: 'a.json', type: 'codex', status: 'active', email: 'alice@x', recent_requests: [{ time: '10:00-10:10', success: 1, failed: 0 }, { time: '10:10-10:20', success: 2, failed: 1 }] }),
    f({ name: 'b.json', type: 'claude', status: 'active', disabled: true, recent_requests: [{ success: 0, failed: 3 }] }),
    f({ name: 'c.json', provider: 'codex', status: 'error', unavailable: true }),
  ];

  it('derives one status per file', () => {
    expect(files.map(effectiveStatus)).toEqual(['active', 'disabled', 'unavailable']);
    expect(countBy(files, effectiveStatus)).toHaveLength(3);
  });

  it('sums recent buckets aligned to the newest', () => {
    expect(sumTraffic(files)).toEqual({ labels: ['10:00', '10:10'], success: [1, 2], failed: [0, 4] });
    expect(providerMatrix(files)).toEqual({ rows: ['codex', 'claude'], values: [[1, 3], [0, 3]] });
  });

  it('searches name, email and index', () => {
    expect(matchesSearch(files[0]!, 'ALICE')).toBe(true);
    expect(matchesSearch(files[1]!, 'alice')).toBe(false);
  });
});

describe('topFiles (busiest accounts)', () => {
  it('orders by the number shown next to each file', async () => {
    const { topFiles, requestTotal } = await import('./auth-stats');
    const files = [
      { name: 'a', success: 10, failed: 0, recent_requests: [{ success: 1, failed: 0 }] },
      { name: 'b', success: 0, failed: 0, recent_requests: [{ success: 20, failed: 2 }] },
      { name: 'c', success: 5, failed: 1, recent_requests: [{ success: 6, failed: 0 }] },
      { name: 'd', success: 0, failed: 0 },
    ] as unknown as Parameters<typeof topFiles>[0];
    const top = topFiles(files, 8);
    expect(top.map((f) => f.name)).toEqual(['b', 'a', 'c']);
    const shown = top.map(requestTotal);
    expect(shown).toEqual([22, 10, 6]);
  });
});
