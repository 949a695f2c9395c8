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
  launchChromium,
  navTo,
  openPage,
  openSeededStore,
  startPanelServer,
  themeShots,
  type SeededStore,
} from './walk-harness';

// Server features the panel shows since lane panel-wiring: the instance and its leases (Collector), a model's
// price history and the models with unpriced calls (Prices), and the background jobs (Prices, Storage). A real
// cpamp server on a real SQLite store with generated events, the built panel in Chromium.
const ADMIN_KEY = 'test-admin-key-panel-wiring-0123456789';
const HOUR = 3_600_000;

interface Version {
  id: number;
  fromMs: number | null;
  toMs: number | null;
  price: { output: number } | null;
}

describe('panel wiring in Chromium (manager mode)', () => {
  let built: BuiltPanel;
  let fake: FakeCpa;
  let seeded: SeededStore;
  let events: UsageEvent[];
  let app: FastifyInstance;
  let url: string;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  const api = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
    const res = await fetch(`${url}${path}`, {
      ...init,
      headers: {
        Authorization: `Bearer ${ADMIN_KEY}`,
        ...(init.body ? { 'Content-Type': 'application/json' } : {}),
      },
    });
    expect(res.status, path).toBe(200);
    return (await res.json()) as T;
  };

  beforeAll(async () => {
    await ensureArtifacts();
    built = await buildPanel();
    fake = await startFakeCpa({});
    seeded = await openSeededStore('wiring', {
      seed: 28,
      events: 200,
      days: 5,
      end: Date.now() - HOUR,
      keys: 2,
      accounts: 3,
      models: 3,
    });
    events = seeded.events;
    ({ app, url } = await startPanelServer({
      seeded,
      panelDir: built.dir,
      adminKey: ADMIN_KEY,
      fake,
      deps: { retentionSchedule: false },
    }));
    browser = await launchChromium();
  }, 120_000);

  beforeEach(async () => {
    page = await openPage(browser);
    collectErrors(page, problems, { withLocation: true });
    await adminLogin(page, url, ADMIN_KEY);
  });

  afterEach(async () => {
    await page.context().close();
    expect(problems.splice(0)).toEqual([]);
  });

  afterAll(async () => {
    await closeInOrder(browser, app, seeded, fake, built);
  });

  it('Collector: the instance card names this process and who holds each lease', async () => {
    const status = await api<{
      instance: { instanceId: string; mode: string; leases: { name: string; held: boolean }[] };
    }>('/status');
    expect(status.instance.leases.length).toBeGreaterThan(0);
    await navTo(page, 'Collector');
    const card = page.getByTestId('instances');
    await card.getByRole('heading', { name: 'Instances' }).waitFor();
    await expect.poll(() => card.getByTestId('instance-id').textContent()).toBe(status.instance.instanceId);
    await card.getByText('Alone on its database: it holds every lease.').waitFor();
    for (const lease of status.instance.leases) {
      const row = card.locator(`tr[data-lease="${lease.name}"]`);
      await row.getByText(lease.held ? 'this instance' : 'free').waitFor();
    }
    if (status.instance.leases.some((l) => l.name === 'scheduler'))
      await card.getByText('Schedulers (pool, alerts, budgets, jobs)').waitFor();
    // The only process on its database holds its leases for good: no expiry shown.
    await expect
      .poll(() => card.locator('tbody td:nth-child(3)').allTextContents())
      .toEqual(status.instance.leases.map(() => '–'));
  });

  it('Prices: a model priced later than its calls is listed from /unpriced; one click prices its history; the re-pricing job and the price history show', async () => {
    const model = [...new Set(events.map((e) => e.model))].sort()[0]!;
    // Priced from now on: its past calls stay unpriced, so /unpriced lists it although it has a price.
    await api(`/v0/management/model-prices?applyFrom=now&wait=true`, {
      method: 'PUT',
      body: JSON.stringify({ model, price: { input: 1, output: 4 } }),
    });
    const unpriced = await api<{ models: { model: string }[] }>('/v0/management/model-prices/unpriced');
    expect(unpriced.models.map((m) => m.model)).toContain(model);

    await navTo(page, 'Model prices');
    const chip = page.getByTestId('unpriced').getByRole('button', { name: model, exact: true });
    await expect
      .poll(() => chip.getAttribute('title'))
      .toMatch(/calls before its price: set it for all history/);
    await page
      .getByTestId('unpriced')
      .getByText(`${unpriced.models.length} model(s) have calls without a price`)
      .waitFor();
    await chip.click();
    // The editor opens on the existing price: apply it to all history.
    await expect.poll(() => page.locator('input[name="price-output"]').inputValue()).toBe('4');
    await page.locator('input[name="price-output"]').fill('6');
    await page.locator('input[name="price-apply"][value="all"]').check();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect
      .poll(
        async () =>
          (await api<{ models: { model: string }[] }>('/v0/management/model-prices/unpriced')).models.map(
            (m) => m.model,
          ),
        { timeout: 15_000 },
      )
      .not.toContain(model);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect
      .poll(() => page.getByTestId('unpriced').getByRole('button', { name: model, exact: true }).count())
      .toBe(0);

    // The re-pricing jobs (the PUT above and the one from the editor) are listed with their outcome.
    const jobs = page.getByTestId('jobs');
    await jobs.getByRole('heading', { name: 'Background jobs' }).waitFor();
    const done = (await api<{ jobs: { state: string }[] }>('/v0/management/jobs?kind=reprice')).jobs.filter(
      (j) => j.state === 'succeeded',
    );
    expect(done.length).toBeGreaterThan(0);
    await expect
      .poll(() => jobs.locator('tr[data-state="succeeded"]').count(), { timeout: 15_000 })
      .toBe(Math.min(5, done.length));
    await jobs.getByText('Re-pricing').first().waitFor();

    // The expanded row shows every version the server keeps, newest first.
    const { versions } = await api<{ versions: Version[] }>(
      `/v0/management/model-prices/${encodeURIComponent(model)}/versions`,
    );
    const shown = versions.filter((v) => v.fromMs === null || v.toMs === null || v.toMs > v.fromMs);
    expect(shown.length).toBeGreaterThan(0);
    const row = page.locator(`tr[data-model="${model}"]`);
    await row.getByRole('button', { name: `Price history of ${model}` }).click();
    const hist = page.getByTestId('price-versions');
    await expect.poll(() => hist.locator('tbody tr').count()).toBe(shown.length);
    await hist.locator('tbody tr').first().getByText('6').first().waitFor();
    await hist.locator('tbody tr').first().getByText('now').waitFor();
    await themeShots(page, 'wiring-prices-history', { inBanner: true });
    await row.getByRole('button', { name: `Price history of ${model}` }).click();
    await expect.poll(() => hist.count()).toBe(0);
  });

  it('Storage: the job list shows a failed job with its error and cancels a queued one', async () => {
    const failed = await seeded.store.jobs.create({ kind: 'retention', params: null });
    await seeded.store.jobs.update(failed.id, { state: 'running' });
    await seeded.store.jobs.update(failed.id, {
      state: 'failed',
      error: { code: 'store_error', message: 'disk is full' },
    });
    // A kind nobody runs in this process stays queued until cancelled.
    const queued = await seeded.store.jobs.create({ kind: 'export', params: null });

    await navTo(page, 'Storage');
    const jobs = page.getByTestId('jobs');
    const bad = jobs.locator(`tr[data-job="${failed.id}"]`);
    await bad.getByText('Retention').waitFor();
    await bad.getByText('failed').waitFor();
    await bad.getByTestId('job-error').getByText('disk is full').waitFor();
    const waiting = jobs.locator(`tr[data-job="${queued.id}"]`);
    await waiting.getByText('queued').waitFor();
    await waiting.getByRole('button', { name: 'Cancel' }).click();
    await waiting.getByText('cancelled').waitFor();
    expect((await seeded.store.jobs.get(queued.id))?.state).toBe('cancelled');
    // A retention run started on this page shows in the list and is followed to its end.
    await page.getByRole('button', { name: 'Run now' }).click();
    await expect
      .poll(
        async () => (await api<{ jobs: { id: number }[] }>('/v0/management/jobs?kind=retention')).jobs.length,
      )
      .toBe(2);
    const run = (await api<{ jobs: { id: number }[] }>('/v0/management/jobs?kind=retention')).jobs[0]!;
    await jobs.locator(`tr[data-job="${run.id}"][data-state="succeeded"]`).getByText('Retention').waitFor();
    await themeShots(page, 'wiring-storage-jobs', { inBanner: true });
  });
});
