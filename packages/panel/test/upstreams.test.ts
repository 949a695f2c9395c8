import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { UsageEvent } from '@cpamp/collector';
import { openStore } from '@cpamp/store';
import { startFakeCpa, type FakeCpa } from '@cpamp/testkit';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPanel, type BuiltPanel } from './build-panel';
import { adminLogin, closeInOrder, collectErrors, launchChromium, navTo, openPage, startPanelServer, type SeededStore } from './walk-harness';

// Several CPAs in Chromium: a cpamp server with the default CPA and "east" (two fake CPAs), a store holding
// events of both. The top bar's CPA switcher sends the CPA pages' calls to east; Monitoring filters by CPA.
const ADMIN_KEY = 'upstreams-admin-key-0123456789abcdef';
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

function usage(i: number, upstream: string, ts: number): UsageEvent & { upstream: string } {
  return {
    dedupKey: sha(`panel-upstream-${i}`), requestId: (0x40000000 + i).toString(16), timestampMs: ts, provider: 'codex',
    executorType: 'CodexExecutor', model: 'gpt-5', alias: 'gpt-5', endpoint: 'POST /v1/responses', authType: 'oauth',
    authIndex: 'acc-1', source: 'pool@example.com', apiKeyHash: sha('sk-a'), apiKeyLabel: 'sk-a…', clientIp: '10.0.0.7',
    userAgent: 'codex_cli_rs/0.50.0', failed: false, statusCode: 200, failBody: '', latencyMs: 900, ttftMs: 200,
    reasoningEffort: 'medium', serviceTier: 'auto', responseServiceTier: 'default', generate: true, inputTokens: 1000,
    cacheReadTokens: 0, cacheCreationTokens: 0, outputTokens: 100, reasoningTokens: 0, unclassifiedTokens: 0,
    totalTokens: 1100, tokenQuality: 'complete', upstream,
  };
}

describe('several CPAs in Chromium', () => {
  let built: BuiltPanel;
  let main: FakeCpa;
  let east: FakeCpa;
  let seeded: SeededStore;
  let app: FastifyInstance;
  let url: string;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    built = await buildPanel();
    main = await startFakeCpa({ config: { 'proxy-url': 'socks5://main' } });
    east = await startFakeCpa({ managementKey: 'east-key', config: { 'proxy-url': 'socks5://east' } });
    const dir = await mkdtemp(join(tmpdir(), 'cpamp-panel-upstreams-'));
    const store = await openStore({ path: join(dir, 'usage.sqlite') });
    const now = Date.now();
    const events = [usage(1, 'default', now - 600_000), usage(2, 'default', now - 500_000), usage(3, 'default', now - 450_000), usage(4, 'east', now - 400_000), usage(5, 'east', now - 300_000)];
    await store.insertBatch(events);
    seeded = { dir, store, events, close: async () => { await store.close(); await rm(dir, { recursive: true, force: true }); } };
    ({ app, url } = await startPanelServer({
      seeded,
      fake: main,
      panelDir: built.dir,
      adminKey: ADMIN_KEY,
      config: { upstreams: [{ name: 'east', url: east.url, managementKey: 'east-key', collectorMode: null }] },
      deps: { retentionSchedule: false, collector: false },
    }));
    browser = await launchChromium();
    page = await openPage(browser);
    collectErrors(page, problems, { ignore: (m) => /status of 404/.test(m.text()) });
  }, 120_000);

  afterAll(async () => {
    await page?.context().close();
    await browser?.close();
    await closeInOrder(app, seeded, main, east, built);
  });

  it('switches the CPA pages to another CPA from the top bar', async () => {
    await adminLogin(page, url, ADMIN_KEY);
    const switcher = page.getByTestId('upstream-switcher');
    await switcher.waitFor();
    expect(await switcher.locator('option').allTextContents()).toEqual(['CPA: default', 'CPA: east']);
    const sent: { path: string; upstream: string | undefined }[] = [];
    page.on('request', (r) => {
      const path = new URL(r.url()).pathname;
      if (path.startsWith('/v0/management/config')) sent.push({ path, upstream: r.headers()['x-cpamp-upstream'] });
    });
    await page.evaluate(() => (window.location.hash = '#/config'));
    await expect.poll(() => sent.length).toBeGreaterThan(0);
    expect(sent.every((s) => s.upstream === undefined)).toBe(true);
    const eastBefore = east.stats().requests;
    sent.length = 0;
    await switcher.selectOption('east');
    // The page reloads against east: its calls carry the header and reach the east CPA.
    await expect.poll(() => sent.length).toBeGreaterThan(0);
    expect(sent.every((s) => s.upstream === 'east')).toBe(true);
    await expect.poll(() => east.stats().requests).toBeGreaterThan(eastBefore);
    await switcher.selectOption('default');
    expect(problems).toEqual([]);
  });

  it('filters Monitoring by CPA', async () => {
    await navTo(page, 'Monitoring');
    const filter = page.locator('select[name="filter-upstream"]');
    await filter.waitFor();
    expect(await filter.locator('option').allTextContents()).toEqual(['All CPAs', 'default', 'east']);
    const summaries: string[] = [];
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.pathname === '/v0/management/analytics/summary') summaries.push(u.searchParams.get('upstream') ?? '');
    });
    await filter.selectOption('east');
    await expect.poll(() => summaries.includes('east')).toBe(true);
    expect(await page.evaluate(() => window.location.hash)).toMatch(/upstream=east/);
    const res = await fetch(`${url}/v0/management/analytics/summary?range=24h&upstream=east`, { headers: { Authorization: `Bearer ${ADMIN_KEY}` } });
    expect((await res.json()).requests).toBe(2);
    expect(problems).toEqual([]);
  });
});
