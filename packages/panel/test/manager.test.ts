import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { normalizeRecord, type UsageEvent } from '@cpamp/collector';
import { buildApp, defineConfig } from '@cpamp/server';
import { openStore, type Store } from '@cpamp/store';
import { generateUsage, startFakeCpa, type FakeCpa } from '@cpamp/testkit';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPanel, type BuiltPanel } from './build-panel';

// Manager mode in Chromium: a real cpamp server (buildApp, temp data dir, real SQLite store with known
// events) serves the built panel and proxies the CPA pages to the fake CPA.
const ART = fileURLToPath(new URL('../../../test-artifacts/panel/', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const ADMIN_KEY = 'test-admin-key-0123456789abcdef';
const END = Math.floor(Date.now() / 3_600_000) * 3_600_000;

describe('panel in Chromium (manager mode)', () => {
  let built: BuiltPanel;
  let fake: FakeCpa;
  let dir: string;
  let store: Store;
  let app: FastifyInstance;
  let url: string;
  let browser: Browser;
  let page: Page;
  let events: UsageEvent[];
  const problems: string[] = [];

  const api = async (path: string) => {
    const res = await fetch(`${url}/v0/management/analytics${path}`, { headers: { Authorization: `Bearer ${ADMIN_KEY}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as { requests: number };
  };
  const kpi = () => page.getByTestId('kpi-requests').textContent();
  const fmt = (n: number) => new Intl.NumberFormat('en').format(n);

  async function shot(name: string) {
    for (const theme of ['Light', 'Dark'] as const) {
      await page.getByRole('button', { name: theme, exact: true }).first().click();
      await page.waitForTimeout(60);
      await page.screenshot({ path: `${ART}${name}-${theme.toLowerCase()}.png`, fullPage: true });
    }
    await page.getByRole('button', { name: 'Light', exact: true }).first().click();
  }

  beforeAll(async () => {
    await mkdir(ART, { recursive: true });
    built = await buildPanel();
    fake = await startFakeCpa({});
    dir = await mkdtemp(join(tmpdir(), 'cpamp-panel-manager-'));
    store = await openStore({ path: join(dir, 'usage.sqlite') });
    events = [];
    for (const raw of generateUsage({ seed: 11, events: 300, days: 30, end: END, keys: 4, accounts: 6, models: 4, failureRate: 0.1 })) {
      const r = normalizeRecord(raw);
      if (r.ok) events.push(r.event);
    }
    store.insertBatch(events);
    const config = defineConfig({
      dataDir: dir,
      adminKey: ADMIN_KEY,
      cpaUpstreamUrl: fake.url,
      cpaManagementKey: fake.managementKey,
      panelPath: join(built.dir, 'management.html'),
      logLevel: 'error',
    });
    app = await buildApp(config, { store, collector: false, now: () => END, logStream: { write: () => undefined } });
    await app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-US', colorScheme: 'light' });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('console', (m) => {
      // The deliberate wrong admin key logs one failed resource load.
      if (m.type() === 'error' && !(/Failed to load resource/.test(m.text()) && /\/status$/.test(m.location().url))) problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await store?.close();
    await fake?.close();
    await built?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('logs in with the admin key (a wrong one is explained) and the CPA pages work through the proxy', async () => {
    await page.goto(`${url}/management.html`);
    await page.locator('input[name="admin-key"]').fill('wrong-admin-key');
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByText('The admin key is wrong.').waitFor();
    await page.locator('input[name="admin-key"]').fill(ADMIN_KEY);
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await expect.poll(() => page.getByTestId('cpa-version').textContent()).toBe('7.2.140');
  });

  it('Monitoring shows the server totals, and the preset and a filter change them', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Monitoring', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Monitoring' }).waitFor();
    const tz = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
    const day = await api(`/summary?range=24h&tz=${encodeURIComponent(tz)}`);
    await expect.poll(kpi).toBe(fmt(day.requests));

    await page.getByRole('button', { name: 'Last 30 days' }).click();
    const month = await api('/summary?range=30d');
    expect(month.requests).toBe(events.length);
    expect(month.requests).not.toBe(day.requests);
    await expect.poll(kpi).toBe(fmt(month.requests));
    await page.getByTestId('breakdown').waitFor();
    await shot('manager-monitoring');

    const model = events[0]!.model;
    await page.locator('select[name="filter-model"]').selectOption(model);
    const byModel = await api(`/summary?range=30d&model=${encodeURIComponent(model)}`);
    expect(byModel.requests).toBeLessThan(month.requests);
    await expect.poll(kpi).toBe(fmt(byModel.requests));

    await page.locator('input[name="failures-only"]').check();
    const failures = await api(`/summary?range=30d&model=${encodeURIComponent(model)}&status=failure`);
    await expect.poll(kpi).toBe(fmt(failures.requests));

    await page.getByRole('tab', { name: 'Providers' }).click();
    await page.getByTestId('breakdown').waitFor();
    expect(problems).toEqual([]);
  });
});
