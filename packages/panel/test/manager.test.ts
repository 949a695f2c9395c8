import type { UsageEvent } from '@cpamp/collector';
import { startFakeCpa, type FakeCpa } from '@cpamp/testkit';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildPanel, type BuiltPanel } from './build-panel';
import {
  adminLogin,
  closeInOrder,
  collectErrors,
  ensureArtifacts,
  failedLoad,
  launchChromium,
  navTo,
  pickFilter,
  openPage,
  openSeededStore,
  startPanelServer,
  submitAdminKey,
  themeShots,
  type SeededStore,
} from './walk-harness';

// Manager mode in Chromium: a real cpamp server (buildApp, temp data dir, real SQLite store with known
// events) serves the built panel and proxies the CPA pages to the fake CPA.
const ADMIN_KEY = 'test-admin-key-0123456789abcdef';
const END = Math.floor(Date.now() / 3_600_000) * 3_600_000;

describe('panel in Chromium (manager mode)', () => {
  let built: BuiltPanel;
  let fake: FakeCpa;
  let seeded: SeededStore;
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
  const shot = (name: string) => themeShots(page, name);

  beforeAll(async () => {
    await ensureArtifacts();
    built = await buildPanel();
    fake = await startFakeCpa({});
    seeded = await openSeededStore('manager', { seed: 11, events: 300, days: 30, end: END, keys: 4, accounts: 6, models: 4, failureRate: 0.1 });
    events = seeded.events;
    ({ app, url } = await startPanelServer({ seeded, panelDir: built.dir, adminKey: ADMIN_KEY, fake, deps: { collector: false, now: () => END } }));
    browser = await launchChromium();
  }, 120_000);

  // Each test gets its own browser context (no session from an earlier test).
  beforeEach(async () => {
    page = await openPage(browser, { height: 860 });
    // The deliberate wrong admin key logs one failed resource load.
    collectErrors(page, problems, { ignore: (m) => failedLoad(m, /\/status$/) });
  });

  afterEach(async () => {
    await page.context().close();
    expect(problems.splice(0)).toEqual([]);
  });

  afterAll(async () => {
    await closeInOrder(browser, app, seeded, fake, built);
  });

  it('logs in with the admin key (a wrong one is explained) and the CPA pages work through the proxy', async () => {
    await page.goto(`${url}/management.html`);
    await submitAdminKey(page, 'wrong-admin-key');
    await page.getByText('The admin key is wrong.').waitFor();
    await submitAdminKey(page, ADMIN_KEY);
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await expect.poll(() => page.getByTestId('cpa-version').textContent()).toBe('7.2.140');
  });

  it('Monitoring shows the server totals, and the preset and a filter change them', async () => {
    await adminLogin(page, url, ADMIN_KEY);
    await navTo(page, 'Monitoring');
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
    await pickFilter(page, 'filter-model', model);
    const byModel = await api(`/summary?range=30d&model=${encodeURIComponent(model)}`);
    expect(byModel.requests).toBeLessThan(month.requests);
    await expect.poll(kpi).toBe(fmt(byModel.requests));

    await page.locator('input[name="failures-only"]').check();
    const failures = await api(`/summary?range=30d&model=${encodeURIComponent(model)}&status=failure`);
    await expect.poll(kpi).toBe(fmt(failures.requests));

    await page.getByRole('tab', { name: 'Providers' }).click();
    await page.getByTestId('breakdown').waitFor();
  });
});

describe('panel in Chromium (manager mode): security warnings from the server', () => {
  it('a warning the server keeps (a short Plus admin key) shows on every page until it is fixed', async () => {
    const built = await buildPanel();
    const fake = await startFakeCpa({});
    const seeded = await openSeededStore('manager-warn', { seed: 3, events: 20, days: 1, end: END });
    const warning = 'SECURITY: the admin key from CPA_MANAGER_ADMIN_KEY has only 5 characters';
    const { app, url } = await startPanelServer({
      seeded,
      panelDir: built.dir,
      adminKey: ADMIN_KEY,
      fake,
      config: { warnings: [warning] },
      deps: { collector: false, now: () => END },
    });
    const browser = await launchChromium();
    try {
      const page = await openPage(browser, { height: 860 });
      await adminLogin(page, url, ADMIN_KEY);
      const banner = page.getByRole('alert').filter({ hasText: warning });
      await banner.waitFor();
      await navTo(page, 'Monitoring');
      await page.getByRole('heading', { level: 1, name: 'Monitoring' }).waitFor();
      await banner.waitFor();
      await page.context().close();
    } finally {
      await closeInOrder(browser, app, seeded, fake, built);
    }
  });
});
