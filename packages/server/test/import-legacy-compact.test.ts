// Over HTTP too: CPA's legacy export as CPA writes it — one line of compact JSON — imports as a snapshot
// (it used to be taken for a one-record JSONL file and rejected with "missing timestamp").
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bearer, startTestApp, type TestApp } from './helpers';

let t: TestApp | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

function compactExport(): string {
  const recorded = join(__dirname, '../../../test/fixtures/cpa-v6.9.49/usage-export.json');
  if (existsSync(recorded)) return readFileSync(recorded, 'utf8');
  const details = Array.from({ length: 12 }, (_, i) => ({
    timestamp: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
    latency_ms: 20,
    source: 'sk-…0001',
    auth_index: 'a1',
    tokens: { input_tokens: 10, output_tokens: 5, reasoning_tokens: 0, cached_tokens: 0, total_tokens: 15 },
    failed: false,
  }));
  return JSON.stringify({
    version: 1,
    exported_at: '2026-01-01T00:00:00Z',
    usage: { total_requests: 12, apis: { 'sk-client': { models: { 'gpt-5': { details } } } } },
  });
}

describe('POST /v0/management/usage/import with a compact legacy export', () => {
  it('imports every detail, and a second upload skips them all', async () => {
    t = await startTestApp({}, { collector: false, retentionSchedule: false });
    const body = compactExport();
    expect(body.trimEnd().split('\n')).toHaveLength(1);
    const post = () =>
      t!.app.inject({
        method: 'POST',
        url: '/v0/management/usage/import',
        payload: body,
        headers: { 'content-type': 'application/json', ...bearer(t!.adminKey) },
      });
    const first = await post();
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ format: 'legacy_snapshot', added: 12, failed: 0 });
    expect((await post()).json()).toMatchObject({ added: 0, skipped: 12 });
  });
});
