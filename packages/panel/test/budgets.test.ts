import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { UsageEvent } from '@cpamp/collector';
import { openStore } from '@cpamp/store';
import { startFakeCpa, type FakeCpa } from '@cpamp/testkit';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildPanel, type BuiltPanel } from './build-panel';
import { adminLogin, closeInOrder, collectErrors, launchChromium, navTo, openPage, startPanelServer, type SeededStore } from './walk-harness';

// Budgets and share links in Chromium: a real cpamp server (SQLite with a few priced requests of two keys,
// the fake CPA), the budget on the key's row in Monitoring, a share link made on the Aliases page, and the
// share page opened from it without any login, calling nothing but the share API.
const ADMIN_KEY = 'budgets-admin-key-0123456789abcdef';
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const HA = sha('sk-team-a-123');
const HB = sha('sk-local-dev-1');

function usage(i: number, apiKeyHash: string, ts: number): UsageEvent {
  return {
    dedupKey: sha(`panel-budget-${i}`), requestId: (0x30000000 + i).toString(16), timestampMs: ts, provider: 'codex',
    executorType: 'CodexExecutor', model: 'gpt-5', alias: 'gpt-5', endpoint: 'POST /v1/responses', authType: 'oauth',
    authIndex: 'acc-1', source: 'pool@example.com', apiKeyHash, apiKeyLabel: apiKeyHash === HA ? 'sk-t…123' : 'sk-l…v-1',
    clientIp: '10.0.0.7', userAgent: 'codex_cli_rs/0.50.0', failed: false, statusCode: 200, failBody: '', latencyMs: 900,
    ttftMs: 200, reasoningEffort: 'medium', serviceTier: 'auto', responseServiceTier: 'default', generate: true,
    inputTokens: 1000, cacheReadTokens: 0, cacheCreationTokens: 0, outputTokens: 100, reasoningTokens: 0,
    unclassifiedTokens: 0, totalTokens: 1100, tokenQuality: 'complete',
  };
}

describe('budgets and share links in Chromium', () => {
  let built: BuiltPanel;
  let fake: FakeCpa;
  let seeded: SeededStore;
  let app: FastifyInstance;
  let url: string;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${url}/v0/management${path}`, {
      method,
      headers: { Authorization: `Bearer ${ADMIN_KEY}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });

  beforeAll(async () => {
    built = await buildPanel();
    fake = await startFakeCpa({});
    const dir = await mkdtemp(join(tmpdir(), 'cpamp-panel-budgets-'));
    const store = await openStore({ path: join(dir, 'usage.sqlite') });
    await store.prices.set('gpt-5', { input: 1.25, output: 10 });
    await store.apiKeys.setAlias(HA, 'alice');
    await store.apiKeys.setAlias(HB, 'bob');
    const now = Date.now();
    // Three requests of alice ($0.00675) and one of bob, minutes ago.
    const events = [usage(1, HA, now - 600_000), usage(2, HA, now - 500_000), usage(3, HA, now - 400_000), usage(4, HB, now - 300_000)];
    await store.insertBatch(events);
    seeded = { dir, store, events, close: async () => { await store.close(); await rm(dir, { recursive: true, force: true }); } };
    ({ app, url } = await startPanelServer({ seeded, fake, panelDir: built.dir, adminKey: ADMIN_KEY, deps: { retentionSchedule: false, collector: false } }));
    expect((await api('PUT', `/budgets/${HA}`, { period: 'month', limitMicros: 10_000 })).status).toBe(200);
    browser = await launchChromium();
  }, 120_000);

  beforeEach(async () => {
    page = await openPage(browser);
    collectErrors(page, problems, { ignore: (m) => /status of 404/.test(m.text()) });
  });
  afterEach(async () => {
    await page.context().close();
    expect(problems.splice(0)).toEqual([]);
  });
  afterAll(async () => {
    await browser?.close();
    await closeInOrder(app, seeded, fake, built);
  });

  it('shows the budget on the key row in Monitoring', async () => {
    await adminLogin(page, url, ADMIN_KEY);
    await navTo(page, 'Monitoring');
    await page.getByRole('tab', { name: 'API keys' }).click();
    const row = page.getByTestId('breakdown').locator('tr', { hasText: 'alice' });
    await expect.poll(() => row.getByTestId('key-budget').textContent()).toMatch(/\$0\.0068 of \$0\.01/);
    expect(await page.getByTestId('breakdown').locator('tr', { hasText: 'bob' }).getByTestId('key-budget').count()).toBe(0);
  });

  it('makes a share link on the Aliases page; the share page shows that key only, calls only the share API, and stops when revoked', async () => {
    await adminLogin(page, url, ADMIN_KEY);
    await navTo(page, 'API key aliases');
    const card = page.getByTestId('budgets-card');
    const aliceRow = card.locator(`tr[data-hash="${HA}"]`);
    await aliceRow.getByRole('button', { name: 'Create share link' }).click();
    const shareUrl = ((await card.getByTestId('share-url').locator('.mono').textContent()) ?? '').trim();
    expect(shareUrl).toMatch(new RegExp(`^${url}/share/[A-Za-z0-9_-]{22}$`));
    await expect.poll(() => aliceRow.textContent()).toMatch(/Revoke/);

    const viewer = await openPage(browser);
    const requested: string[] = [];
    viewer.on('request', (r) => void requested.push(new URL(r.url()).pathname));
    await viewer.goto(shareUrl);
    await viewer.getByRole('heading', { level: 1, name: 'Usage of alice' }).waitFor();
    const text = (await viewer.getByTestId('share-page').textContent()) ?? '';
    expect(text).toMatch(/\$0\.0068 of \$0\.01/);
    expect(text).not.toMatch(/bob/);
    await viewer.getByTestId('share-resets').waitFor();
    const token = shareUrl.split('/share/')[1] as string;
    expect([...new Set(requested)].sort()).toEqual([`/share/${token}`, `/v0/share/${token}`]);

    const links = (await (await api('GET', '/share-links')).json()) as { items: { id: number }[] };
    expect((await api('DELETE', `/share-links/${links.items[0]!.id}`)).status).toBe(200);
    await viewer.reload();
    await viewer.getByTestId('share-gone').waitFor();
    await viewer.context().close();
  });
});
