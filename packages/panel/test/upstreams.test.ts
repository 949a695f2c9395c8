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
    // Both CPAs keep an auth file of the same name and auth_index (the same container layout) for two accounts.
    const file = (name: string, email: string) => ({ name, authIndex: 'a1', content: { type: 'codex', email, access_token: `tok-${email}` } });
    main = await startFakeCpa({ config: { 'proxy-url': 'socks5://main' }, authFiles: [file('shared.json', 'u1@main.test'), { ...file('main-only.json', 'u2@main.test'), authIndex: 'a2' }] });
    east = await startFakeCpa({ managementKey: 'east-key', config: { 'proxy-url': 'socks5://east' }, authFiles: [file('shared.json', 'u1@east.test')] });
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
    // With two or more CPAs every call names the chosen one, the default one included.
    expect(sent.every((s) => s.upstream === 'default')).toBe(true);
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

  it("sets an alert rule's CPA in the rule form (shown with two or more CPAs)", async () => {
    await page.evaluate(() => (window.location.hash = '#/alerts?tab=rules'));
    await page.getByRole('button', { name: 'New rule' }).click();
    await page.locator('select[name="rule-kind"]').selectOption('collector-stalled');
    await page.locator('input[name="rule-name"]').fill('East collector');
    const cpa = page.locator('select[name="param-upstream"]');
    expect(await cpa.locator('option').allTextContents()).toEqual(['All CPAs', 'default', 'east']);
    await cpa.selectOption('east');
    await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('rules').getByText('East collector').waitFor();
    const rules = (await app.inject({ url: '/v0/management/alerts/rules', headers: { authorization: `Bearer ${ADMIN_KEY}` } })).json() as { items: { id: number; name: string; params: Record<string, unknown> }[] };
    const rule = rules.items.find((r) => r.name === 'East collector')!;
    expect(rule.params).toMatchObject({ upstream: 'east' });
    // Back to every CPA: the edit drops the param.
    await page.getByRole('button', { name: 'Edit East collector' }).click();
    await page.locator('select[name="param-upstream"]').selectOption('');
    await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    await expect
      .poll(async () => ((await app.inject({ url: '/v0/management/alerts/rules', headers: { authorization: `Bearer ${ADMIN_KEY}` } })).json().items as { id: number; params: Record<string, unknown> }[]).find((r) => r.id === rule.id)?.params.upstream ?? null)
      .toBeNull();
    expect(problems).toEqual([]);
  });

  it("the pool policy form edits the switcher's CPA: its own value, the global policy unchanged", async () => {
    const switcher = page.getByTestId('upstream-switcher');
    await switcher.selectOption('east');
    await page.evaluate(() => (window.location.hash = '#/inspection'));
    const form = page.getByTestId('policy-form');
    await expect.poll(() => form.getByTestId('policy-scope').textContent()).toMatch(/CPA east/);
    await form.locator('input[name="inspectionConcurrency"]').fill('7');
    await form.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Policy saved.').first().waitFor();
    const policy = async (upstream?: string) =>
      (await app.inject({ url: `/v0/management/pool/policy${upstream ? `?upstream=${upstream}` : ''}`, headers: { authorization: `Bearer ${ADMIN_KEY}` } })).json() as { policy: { inspectionConcurrency: number }; own: string[] };
    expect(await policy('east')).toMatchObject({ own: ['inspectionConcurrency'], policy: { inspectionConcurrency: 7 } });
    expect((await policy()).policy.inspectionConcurrency).not.toBe(7);
    await switcher.selectOption('default');
    expect(problems).toEqual([]);
  });

  it('adds, changes and removes a CPA on the Collector page; the switcher follows; configured CPAs are read-only', async () => {
    const north = await startFakeCpa({ managementKey: 'north-key', config: { 'proxy-url': 'socks5://north' } });
    try {
      await page.evaluate(() => (window.location.hash = '#/collector'));
      const card = page.getByTestId('upstreams-card');
      await card.waitFor();
      expect(await card.locator('tr[data-upstream]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-upstream')))).toEqual(['default', 'east']);
      expect(await card.locator('tr[data-upstream="east"] button').count()).toBe(0);
      await card.locator('input[name="cpa-name"]').fill('north');
      await card.locator('input[name="cpa-url"]').fill(north.url);
      await card.locator('input[name="cpa-key"]').fill('north-key');
      await card.getByRole('button', { name: 'Add CPA' }).click();
      await card.locator('tr[data-upstream="north"]').waitFor();
      const switcher = page.getByTestId('upstream-switcher');
      await expect.poll(() => switcher.locator('option').allTextContents()).toEqual(['CPA: default', 'CPA: east', 'CPA: north']);
      // The proxy reaches the new CPA with its key; the list never shows the key.
      const viaProxy = await app.inject({ url: '/v0/management/config', headers: { authorization: `Bearer ${ADMIN_KEY}`, 'x-cpamp-upstream': 'north' } });
      expect(viaProxy.json()['proxy-url']).toBe('socks5://north');
      expect(await card.textContent()).not.toContain('north-key');
      // Change its key (the CPA rotated it), then remove it.
      north.setManagementKey('north-key-2');
      await card.locator('tr[data-upstream="north"]').getByRole('button', { name: 'Edit' }).click();
      await card.locator('input[name="cpa-key"]').fill('north-key-2');
      await card.getByRole('button', { name: 'Save' }).click();
      await expect.poll(async () => (await app.inject({ url: '/v0/management/config', headers: { authorization: `Bearer ${ADMIN_KEY}`, 'x-cpamp-upstream': 'north' } })).statusCode).toBe(200);
      page.once('dialog', (d) => void d.accept());
      await card.locator('tr[data-upstream="north"]').getByRole('button', { name: 'Delete' }).click();
      await expect.poll(() => card.locator('tr[data-upstream="north"]').count()).toBe(0);
      await expect.poll(() => switcher.locator('option').allTextContents()).toEqual(['CPA: default', 'CPA: east']);
      expect(problems).toEqual([]);
    } finally {
      await north.close();
    }
  });

  it('shows the chosen CPA on the config and auth-files (accounts) pages; a write goes to that CPA only', async () => {
    const switcher = page.getByTestId('upstream-switcher');
    const sent: { method: string; path: string; upstream: string | undefined }[] = [];
    page.on('request', (r) => {
      const path = new URL(r.url()).pathname;
      if (path.startsWith('/v0/management/')) sent.push({ method: r.method(), path, upstream: r.headers()['x-cpamp-upstream'] });
    });
    const proxyUrl = async () => {
      await page.evaluate(() => (window.location.hash = '#/config'));
      await page.locator('a[data-group="network"]').click();
      const field = page.locator('[name="proxy-url"]');
      await expect.poll(() => field.inputValue()).toMatch(/^socks5:/);
      return field.inputValue();
    };
    // With a cpamp server the auth-files page is the accounts page: the pool's copy of the CPA's auth files.
    await app.pool.sync();
    const rows = page.locator('[data-auth-index]');
    const authFiles = async (count: number) => {
      await page.evaluate(() => (window.location.hash = '#/auth-files'));
      await expect.poll(() => rows.count()).toBe(count);
      const texts = await rows.allTextContents();
      return (await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-auth-index')))).map((k, i) => `${k} ${/u\d@\w+\.test/.exec(texts[i]!)?.[0]}`).sort();
    };
    await switcher.selectOption('east');
    expect(await proxyUrl()).toBe('socks5://east');
    expect(await authFiles(1)).toEqual(['east~a1 u1@east.test']);
    await switcher.selectOption('default');
    expect(await proxyUrl()).toBe('socks5://main');
    expect(await authFiles(2)).toEqual(['a1 u1@main.test', 'a2 u2@main.test']);

    // A write: disable shared.json on east from its drawer; the default CPA's file of the same name stays enabled.
    await switcher.selectOption('east');
    await authFiles(1);
    sent.length = 0;
    page.once('dialog', (d) => void d.accept());
    await rows.first().click();
    const drawer = page.getByTestId('account-drawer');
    await drawer.getByRole('button', { name: 'Disable', exact: true }).click();
    const disabled = (cpa: FakeCpa) => cpa.authFiles().find((f) => f.name === 'shared.json')?.content.disabled === true;
    await expect.poll(() => disabled(east)).toBe(true);
    expect(disabled(main)).toBe(false);
    const writes = sent.filter((s) => s.method !== 'GET');
    expect(writes.map((s) => [s.method, s.path, s.upstream])).toContainEqual(['PATCH', '/v0/management/auth-files/status', 'east']);
    expect(sent.every((s) => s.upstream === 'east')).toBe(true);
    // The pool follows the change on east only.
    await expect.poll(async () => (await app.inject({ url: '/v0/management/pool/accounts?upstream=east', headers: { authorization: `Bearer ${ADMIN_KEY}` } })).json().items[0].status).toBe('disabled_by_user');
    expect((await app.inject({ url: '/v0/management/pool/accounts?upstream=default', headers: { authorization: `Bearer ${ADMIN_KEY}` } })).json().items.map((a: { status: string }) => a.status)).toEqual(['active', 'active']);
    await drawer.getByRole('button', { name: 'Close' }).click();
    await switcher.selectOption('default');
    expect(problems).toEqual([]);
  });
  it("keeps two CPAs' accounts with one auth_index apart in Monitoring; a run over every CPA shows each CPA", async () => {
    const auth = { authorization: `Bearer ${ADMIN_KEY}` };
    await page.evaluate(() => (window.location.hash = '#/monitoring?range=24h&tab=account'));
    const table = page.getByTestId('breakdown');
    // acc-1 on the default CPA (3 requests) and on east (2): two rows, each with its CPA.
    await expect.poll(() => table.getByTestId('row-cpa').allTextContents()).toEqual(['default', 'east']);
    const accounts: string[] = [];
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.pathname === '/v0/management/analytics/summary') accounts.push(u.searchParams.get('account') ?? '');
    });
    await table.locator('tr', { has: page.getByTestId('row-cpa').filter({ hasText: 'east' }) }).getByRole('button').first().click();
    await expect.poll(() => accounts.includes('east~acc-1')).toBe(true);
    const requests = async (account: string) =>
      (await app.inject({ url: `/v0/management/analytics/summary?range=24h&account=${account}`, headers: auth })).json().requests as number;
    expect([await requests('east~acc-1'), await requests('default~acc-1'), await requests('acc-1')]).toEqual([2, 3, 5]);

    const started = await app.inject({ method: 'POST', url: '/v0/management/pool/inspections', headers: auth, payload: { dryRun: true } });
    expect(started.statusCode, started.body).toBeLessThan(300);
    const id = started.json().run.id as number;
    await expect.poll(async () => (await app.inject({ url: `/v0/management/pool/inspections/${id}`, headers: auth })).json().run.state).toBe('done');
    await page.evaluate(() => (window.location.hash = '#/inspection'));
    await expect.poll(() => page.getByTestId('run-cpas').textContent()).toMatch(/default · .*east · /);
    // The results list is the switcher's CPA's (default): its two accounts.
    await expect.poll(() => page.getByTestId('run-results').locator('tbody tr').count()).toBe(2);
    // The account drawer links to that account's usage on its own CPA.
    for (const [key, token] of [['east~a1', 'east~a1'], ['a1', 'default~a1']] as const) {
      // From another page: the accounts page reads `account=` when it opens.
      await page.evaluate(() => (window.location.hash = '#/inspection'));
      await page.getByTestId('run-results').waitFor();
      await page.evaluate((k) => (window.location.hash = `#/accounts?account=${k}`), key);
      const link = page.getByTestId('account-monitoring');
      await expect.poll(() => link.getAttribute('href')).toBe(`#/monitoring?account=${encodeURIComponent(token).replace('~', '%7E')}`);
      await page.getByTestId('account-drawer').getByRole('button', { name: 'Close' }).click();
    }
    expect(problems).toEqual([]);
  });
});
