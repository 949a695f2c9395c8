import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  emitUsage,
  fakeAuthIndex,
  generateAccountPool,
  generateAccounts,
  generateProviderConfig,
  generateUsage,
  startFakeCpa,
  type CpaUsageRecord,
  type FakeCpa,
} from '@cpamp/testkit';

const KEY = 'test-management-key';
let fake: FakeCpa | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function management(path: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${(fake as FakeCpa).url}/v0/management${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' },
  });
  return { status: res.status, body: await res.json() };
}

describe('emitUsage into a real fake CPA', () => {
  it('emits every record once, in order, as the HTTP usage queue then returns them', async () => {
    fake = await startFakeCpa();
    const records = [...generateUsage({ seed: 5, events: 25, days: 1 })];
    const result = await emitUsage(fake, records, { ratePerSecond: 1000 });
    expect(result).toEqual({ emitted: 25, aborted: false });
    expect(fake.queueLength()).toBe(25);
    const popped = await management('/usage-queue?count=100');
    expect(popped.status).toBe(200);
    expect(popped.body).toEqual(JSON.parse(JSON.stringify(records)));
  });

  it('emits at the configured rate (on a fake clock) and nothing after an abort', async () => {
    fake = await startFakeCpa();
    const target = fake;
    // Only emitUsage's clock is faked; rates are measured in bench/, not asserted on a wall clock.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const controller = new AbortController();
      const running = emitUsage(target, generateUsage({ seed: 6, events: 1_000_000, days: 30 }), {
        ratePerSecond: 200,
        signal: controller.signal,
      });
      expect(target.queueLength()).toBe(1); // the first record goes out at once
      await vi.advanceTimersByTimeAsync(600);
      // Due after 600 ms at 200/s: 120, plus the first record; emitted per 50 ms tick, so exactly on a tick.
      expect(target.queueLength()).toBe(121);
      controller.abort();
      const result = await running;
      expect(result).toEqual({ emitted: 121, aborted: true });
      await vi.advanceTimersByTimeAsync(1000);
      expect(target.queueLength()).toBe(121);
    } finally {
      vi.useRealTimers();
    }
  });

  it('an already-aborted signal emits nothing; a bad rate rejects; Infinity emits as fast as possible', async () => {
    fake = await startFakeCpa();
    const result = await emitUsage(fake, generateUsage({ seed: 1, events: 10, days: 1 }), {
      ratePerSecond: 10,
      signal: AbortSignal.abort(),
    });
    expect(result).toEqual({ emitted: 0, aborted: true });
    await expect(emitUsage(fake, [], { ratePerSecond: 0 })).rejects.toThrow(
      /ratePerSecond must be a positive number/,
    );
    const all = await emitUsage(fake, generateUsage({ seed: 1, events: 2500, days: 1 }), {
      ratePerSecond: Number.POSITIVE_INFINITY,
    });
    expect(all).toEqual({ emitted: 2500, aborted: false });
    expect(fake.queueLength()).toBe(2500);
  });
});

describe('generateAccounts / generateProviderConfig against the fake CPA', () => {
  it('auth files and config keys resolve every auth_index the records use', async () => {
    const seed = 77;
    const accounts = 60;
    const files = generateAccounts({ seed, accounts });
    fake = await startFakeCpa({ authFiles: files });
    const config = generateProviderConfig({ seed, accounts });
    for (const [list, entries] of Object.entries(config)) {
      expect((await management(`/${list}`, { method: 'PUT', body: JSON.stringify(entries) })).status).toBe(
        200,
      );
    }
    const listed = (await management('/auth-files')).body as {
      files: { auth_index: string; name: string }[];
    };
    const known = new Set(listed.files.map((f) => f.auth_index));
    for (const list of Object.keys(config)) {
      const body = (await management(`/${list}`)).body as Record<string, Record<string, unknown>[]>;
      for (const entry of body[list] ?? []) {
        if (typeof entry['auth-index'] === 'string') known.add(entry['auth-index']);
        for (const k of (entry['api-key-entries'] as { 'auth-index': string }[] | undefined) ?? [])
          known.add(k['auth-index']);
      }
    }
    const pool = generateAccountPool({ seed, accounts });
    expect(known).toEqual(new Set(pool.map((a) => a.authIndex)));
    for (const file of files) expect(pool.some((a) => a.authIndex === fakeAuthIndex(file))).toBe(true);
    const records: CpaUsageRecord[] = [...generateUsage({ seed, accounts, events: 3000, days: 7 })];
    expect(records.filter((r) => !known.has(r.auth_index))).toEqual([]);
  });

  it('codex auth files carry an id_token with the ChatGPT account and plan claims', () => {
    const files = generateAccounts({ seed: 1, accounts: 40 });
    const types = new Set(files.map((f) => f.content.type));
    expect(types).toEqual(new Set(['codex', 'claude', 'antigravity']));
    const codex = files.find((f) => f.content.type === 'codex')!;
    expect(codex.name).toMatch(/^codex-.+@.+-(plus|pro|team|business|free)\.json$/);
    const payload = JSON.parse(
      Buffer.from(String(codex.content.id_token).split('.')[1]!, 'base64url').toString(),
    ) as Record<string, unknown>;
    const auth = payload['https://api.openai.com/auth'] as Record<string, string>;
    expect(auth.chatgpt_account_id).toBe(codex.content.account_id);
    expect(auth.chatgpt_plan_type).toMatch(/^(plus|pro|team|business|free)$/);
    expect(payload.email).toBe(codex.content.email);
    const claude = files.find((f) => f.content.type === 'claude')!;
    expect(claude.content).toMatchObject({
      type: 'claude',
      email: expect.stringContaining('@'),
      access_token: expect.stringMatching(/^sk-ant-oat01-/),
    });
    const antigravity = files.find((f) => f.content.type === 'antigravity')!;
    expect(antigravity.content).toMatchObject({ expires_in: 3599, project_id: expect.any(String) });
    expect(JSON.stringify(generateAccounts({ seed: 1, accounts: 40 }))).toBe(JSON.stringify(files));
  });
});
