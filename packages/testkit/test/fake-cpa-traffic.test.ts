import { afterEach, describe, expect, it } from 'vitest';
import { configAuthIndex, fakeAuthIndex, startFakeCpa, type FakeAuthFile, type FakeCpa } from '@cpamp/testkit';

const KEY = 'test-management-key';
// 2026-08-22T14:07:00Z: inside the 14:00-14:10 bucket.
const NOW = Date.UTC(2026, 7, 22, 14, 7, 0);
const file: FakeAuthFile = { name: 'codex-alice@example.com.json', content: { type: 'codex', email: 'alice@example.com' } };
const other: FakeAuthFile = { name: 'claude-bob@example.com.json', content: { type: 'claude', email: 'bob@example.com' } };

type Bucket = { time: string; success: number; failed: number };
type AuthFileEntry = { name: string; success: number; failed: number; recent_requests: Bucket[] };
type UsageEntry = { success: number; failed: number; recent_requests: Bucket[] };

let fake: FakeCpa | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function mgmt<T>(path: string): Promise<T> {
  const res = await fetch(`${(fake as FakeCpa).url}/v0/management${path}`, { headers: { Authorization: `Bearer ${KEY}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

function record(authIndex: string, failed: boolean, at: number): object {
  return { timestamp: new Date(at).toISOString(), auth_index: authIndex, failed, model: 'gpt-5', api_key: 'sk-local-dev-1' };
}

describe('fake CPA client model list', () => {
  it('answers /v1/models and /models with an OpenAI-style list for a client API key', async () => {
    fake = await startFakeCpa({ authFiles: [file] });
    for (const path of ['/v1/models', '/models']) {
      const res = await fetch(`${fake.url}${path}`, { headers: { Authorization: 'Bearer sk-local-dev-1' } });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { object: string; data: { id: string; object: string; created: number; owned_by: string }[] };
      expect(body.object).toBe('list');
      const ids = body.data.map((m) => m.id);
      expect(ids).toContain('gpt-5-codex'); // from the codex auth file
      expect(ids).toContain('claude-sonnet-4-5-20250929'); // from the default claude-api-key entry
      expect(ids).toContain('kimi-k2'); // openai-compatibility alias
      expect(new Set(ids).size).toBe(ids.length);
      for (const m of body.data) {
        expect(m.object).toBe('model');
        expect(typeof m.created).toBe('number');
        expect(typeof m.owned_by).toBe('string');
      }
    }
  });

  it('accepts X-Api-Key and rejects missing, unknown and management keys with 401', async () => {
    fake = await startFakeCpa();
    const ok = await fetch(`${fake.url}/v1/models`, { headers: { 'X-Api-Key': 'sk-team-a-123' } });
    expect(ok.status).toBe(200);
    await ok.arrayBuffer();
    const cases: Record<string, string>[] = [{}, { Authorization: 'Bearer sk-nope' }, { Authorization: `Bearer ${KEY}` }];
    for (const headers of cases) {
      const res = await fetch(`${fake.url}/v1/models`, { headers });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: string }).error).toMatch(/API key/);
    }
    // Client-key failures are not management failures: no strikes towards the IP ban.
    expect(fake.stats().authFailures).toBe(0);
  });
});

describe('fake CPA per-credential traffic', () => {
  it('counts enqueued records per auth file in totals and 10-minute buckets', async () => {
    fake = await startFakeCpa({ authFiles: [file, other], now: () => NOW });
    const idx = fakeAuthIndex(file);
    fake.enqueueUsage(record(idx, false, NOW - 60_000));
    fake.enqueueUsage(JSON.stringify(record(idx, true, NOW - 30_000)));
    fake.enqueueUsage(record(idx, false, NOW - 25 * 60_000)); // 13:40-13:50 bucket
    fake.enqueueUsage(record(idx, false, NOW - 10 * 3_600_000)); // outside the 200-minute window
    const { files } = await mgmt<{ files: AuthFileEntry[] }>('/auth-files');
    const alice = files.find((f) => f.name === file.name) as AuthFileEntry;
    const bob = files.find((f) => f.name === other.name) as AuthFileEntry;
    expect(alice.success).toBe(3);
    expect(alice.failed).toBe(1);
    expect(alice.recent_requests).toHaveLength(20);
    expect(alice.recent_requests[19]).toEqual({ time: '14:00-14:10', success: 1, failed: 1 });
    expect(alice.recent_requests[17]).toEqual({ time: '13:40-13:50', success: 1, failed: 0 });
    expect(alice.recent_requests[0]?.time).toBe('10:50-11:00');
    const windowTotal = alice.recent_requests.reduce((n, b) => n + b.success + b.failed, 0);
    expect(windowTotal).toBe(3);
    expect(bob.success + bob.failed).toBe(0);
  });

  it('counts traffic even when usage statistics are off (the request still happened)', async () => {
    fake = await startFakeCpa({ authFiles: [file], usageStatisticsEnabled: false, now: () => NOW });
    fake.enqueueUsage(record(fakeAuthIndex(file), false, NOW));
    expect(fake.queueLength()).toBe(0);
    const { files } = await mgmt<{ files: AuthFileEntry[] }>(`/auth-files?name=${encodeURIComponent(file.name)}`);
    expect(files[0]?.success).toBe(1);
  });

  it('reports /api-key-usage per provider key from records matched by auth_index', async () => {
    fake = await startFakeCpa({ now: () => NOW });
    const claudeIdx = configAuthIndex('claude-api-key', '', 'sk-ant-api03-fakeclaude0001');
    fake.enqueueUsage(record(claudeIdx, false, NOW));
    fake.enqueueUsage(record(claudeIdx, false, NOW - 1000));
    fake.enqueueUsage(record(claudeIdx, true, NOW - 2000));
    fake.enqueueUsage(record('ffffffffffffffff', false, NOW)); // unknown credential: ignored
    fake.enqueueUsage('not json'); // ignored
    const usage = await mgmt<Record<string, Record<string, UsageEntry>>>('/api-key-usage');
    const claude = usage.claude?.['|sk-ant-api03-fakeclaude0001'];
    expect(claude?.success).toBe(2);
    expect(claude?.failed).toBe(1);
    expect(claude?.recent_requests).toHaveLength(20);
    expect(claude?.recent_requests[19]).toEqual({ time: '14:00-14:10', success: 2, failed: 1 });
    const codex = usage.codex?.['https://api.openai.com/v1|sk-proj-fakecodex0001'];
    expect(codex).toMatchObject({ success: 0, failed: 0 });
  });
});
