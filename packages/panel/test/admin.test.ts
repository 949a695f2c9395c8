import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { normalizeRecord, type UsageEvent } from '@cpamp/collector';
import { generateUsage, startFakeCpa, type FakeCpa } from '@cpamp/testkit';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildPanel, type BuiltPanel } from './build-panel';
import {
  adminLogin,
  ARTIFACTS as ART,
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

// The manager admin pages (prices, aliases, import/export, collector, storage) in Chromium against a real
// cpamp server (buildApp, real SQLite with generated events, the real collector on the fake CPA).
const ADMIN_KEY = 'test-admin-key-admin-pages-0123456789';
const HOUR = 3_600_000;
const CHUNK = 16 * 1024;

/** CSV records, counting newlines inside quoted fields as part of the field (RFC 4180). */
function csvRecords(text: string): number {
  let records = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (ch === '\n' && !quoted) records++;
  }
  return text.endsWith('\n') ? records : records + 1;
}

describe('admin pages in Chromium (manager mode)', () => {
  let built: BuiltPanel;
  let fake: FakeCpa;
  let dir: string;
  let seeded: SeededStore;
  let app: FastifyInstance;
  let url: string;
  let browser: Browser;
  let page: Page;
  let events: UsageEvent[];
  const problems: string[] = [];
  /** Chunk PUTs the test aborts on purpose (Chromium logs those as failed loads). */
  let allowChunkFailures = false;

  const api = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
    const res = await fetch(`${url}/v0/management${path}`, { ...init, headers: { Authorization: `Bearer ${ADMIN_KEY}`, ...(init.body ? { 'Content-Type': 'application/json' } : {}) } });
    expect(res.status, path).toBe(200);
    return (await res.json()) as T;
  };
  const nav = (name: string) => navTo(page, name);
  const shot = (name: string) => themeShots(page, name, { inBanner: true });

  beforeAll(async () => {
    await ensureArtifacts();
    built = await buildPanel();
    fake = await startFakeCpa({});
    // A column cache window smaller than the store: the Storage page says which events are in memory.
    seeded = await openSeededStore('admin', { seed: 21, events: 300, days: 10, end: Date.now() - HOUR, keys: 4, accounts: 6, models: 4, failureRate: 0.1 }, { columnCacheMaxEvents: 200, warmCache: true });
    ({ dir, events } = seeded);
    // A coverage gap the collector recorded earlier (kept by the server in its settings table).
    await seeded.store.settings.set('coverage_gaps', [{ fromMs: Date.now() - 2 * 86_400_000, toMs: Date.now() - 2 * 86_400_000 + 3 * HOUR, reason: 'downtime', detail: 'cpamp was stopped longer than CPA keeps records', lossLikely: true }]);
    ({ app, url } = await startPanelServer({
      seeded,
      panelDir: built.dir,
      adminKey: ADMIN_KEY,
      fake,
      config: { import: { chunkBytes: CHUNK, diskQuotaBytes: 1024 ** 3, maxSessions: 2, sessionTtlMinutes: 60 } },
      deps: { retentionSchedule: false },
    }));
    browser = await launchChromium();
  }, 120_000);

  // Every test gets its own browser context, logged in on the Dashboard.
  beforeEach(async () => {
    page = await openPage(browser, { acceptDownloads: true });
    collectErrors(page, problems, { ignore: (m) => allowChunkFailures && /Failed to load resource/.test(m.text()), withLocation: true });
    page.on('dialog', (d) => void d.accept());
    await adminLogin(page, url, ADMIN_KEY);
  });

  afterEach(async () => {
    await page.context().close();
    expect(problems.splice(0)).toEqual([]);
  });

  afterAll(async () => {
    await closeInOrder(browser, app, seeded, fake, built);
  });

  it('Prices: unpriced models with traffic are highlighted; add, edit and file sync round-trip through the server', async () => {
    await nav('Model prices');
    await page.getByRole('heading', { level: 1, name: 'Model prices' }).waitFor();
    const models = [...new Set(events.map((e) => e.model))].sort();
    await page.getByTestId('unpriced').getByText(`${models.length} model(s) with traffic have no price`).waitFor();
    await expect.poll(() => page.locator('[data-testid="prices-table"] tr.missing').count()).toBe(models.length);

    const [first, second] = models as [string, string];
    await page.locator(`tr[data-model="${first}"]`).getByRole('button', { name: `Add price ${first}` }).click();
    await expect.poll(() => page.locator('input[name="price-model"]').inputValue()).toBe(first);
    await page.locator('input[name="price-input"]').fill('3');
    await page.locator('input[name="price-output"]').fill('15');
    await page.locator('input[name="price-cacheRead"]').fill('0.3');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const row = page.locator(`tr[data-model="${first}"]`);
    await row.getByText('manual').waitFor();
    const saved = await api<{ prices: Record<string, { input: number; output: number; cacheRead: number; manual: boolean }> }>('/model-prices');
    expect(saved.prices[first]).toMatchObject({ input: 3, output: 15, cacheRead: 0.3, manual: true });

    await row.getByRole('button', { name: `Edit ${first}` }).click();
    await page.locator('input[name="price-output"]').fill('12.5');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(async () => (await api<{ prices: Record<string, { output: number }> }>('/model-prices')).prices[first]?.output).toBe(12.5);
    await row.getByText('12.5').waitFor();

    // Sync from an uploaded LiteLLM file that knows one of the remaining models.
    const litellm = join(dir, 'litellm.json');
    await writeFile(litellm, JSON.stringify({ sample_spec: {}, [second]: { input_cost_per_token: 0.000002, output_cost_per_token: 0.000008, litellm_provider: 'openai', mode: 'chat' } }));
    await page.getByRole('button', { name: 'Sync prices' }).click();
    await page.locator('input[name="sync-file"]').setInputFiles(litellm);
    const report = page.getByTestId('sync-report');
    await report.getByText('1 model(s) priced from the file').waitFor();
    // The unmatched-model report lists every other model with traffic (the manual price is not touched).
    await expect.poll(() => page.getByTestId('sync-unmatched').locator('li').count()).toBeGreaterThanOrEqual(models.length - 1);
    await page.getByTestId('sync-unmatched').getByText(first, { exact: true }).waitFor();
    await page.keyboard.press('Escape');
    await page.locator(`tr[data-model="${second}"]`).getByText('synced').waitFor();
    expect((await api<{ prices: Record<string, { input: number; manual: boolean }> }>('/model-prices')).prices[second]).toMatchObject({ input: 2, manual: false });
    await expect.poll(() => page.locator('[data-testid="prices-table"] tr.missing').count()).toBe(models.length - 2);
    await shot('admin-prices');
    expect(problems).toEqual([]);
  });

  it('Aliases: keys with traffic are listed by masked label; an alias save and clear round-trip', async () => {
    await nav('API key aliases');
    await page.getByRole('heading', { level: 1, name: 'API key aliases' }).waitFor();
    const hashes = new Set(events.map((e) => e.apiKeyHash).filter(Boolean));
    for (const h of hashes) await page.locator(`tr[data-hash="${h}"]`).waitFor();
    const row = page.locator('[data-testid="aliases-table"] tbody tr').first();
    const hash = (await row.getAttribute('data-hash'))!;
    const label = events.find((e) => e.apiKeyHash === hash)!.apiKeyLabel;
    await row.getByText(label, { exact: true }).waitFor();
    await row.locator('input[name="alias"]').fill('team-backend');
    await row.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Alias “team-backend” saved.').waitFor();
    const list = await api<{ items: { apiKeyHash: string; alias: string }[] }>('/api-key-aliases');
    expect(list.items).toContainEqual(expect.objectContaining({ apiKeyHash: hash, alias: 'team-backend' }));
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(() => page.locator(`tr[data-hash="${hash}"] input[name="alias"]`).inputValue()).toBe('team-backend');
    await shot('admin-aliases');

    await page.locator(`tr[data-hash="${hash}"]`).getByRole('button', { name: 'Clear' }).click();
    await page.getByText('Alias cleared.').waitFor();
    await expect.poll(async () => (await api<{ items: { apiKeyHash: string }[] }>('/api-key-aliases')).items.some((i) => i.apiKeyHash === hash)).toBe(false);
    // A key from CPA's config that has sent nothing yet is listed (hashed in the browser) and can be named.
    const unused = 'sk-unused-client-key-000111';
    const put = await fetch(`${fake.url}/v0/management/api-keys`, { method: 'PUT', headers: { Authorization: `Bearer ${fake.managementKey}`, 'Content-Type': 'application/json' }, body: JSON.stringify([unused]) });
    expect(put.status).toBe(200);
    const unusedHash = createHash('sha256').update(unused).digest('hex');
    await page.getByRole('button', { name: 'Refresh' }).click();
    const fresh = page.locator(`tr[data-hash="${unusedHash}"]`);
    await fresh.getByText('in CPA config').waitFor();
    await fresh.getByText('no traffic').waitFor();
    await fresh.locator('input[name="alias"]').fill('ci-runner');
    await fresh.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(async () => (await api<{ items: { apiKeyHash: string; alias: string }[] }>('/api-key-aliases')).items).toContainEqual(expect.objectContaining({ apiKeyHash: unusedHash, alias: 'ci-runner' }));

    await page.locator(`tr[data-hash="${hash}"]`).locator('input[name="alias"]').fill('team-backend');
    await page.locator(`tr[data-hash="${hash}"]`).getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(async () => (await api<{ items: { apiKeyHash: string }[] }>('/api-key-aliases')).items.some((i) => i.apiKeyHash === hash)).toBe(true);
    expect(problems).toEqual([]);
  });

  it('Import: a chunked upload shows progress, survives a failed chunk with Resume, and reports inserted/duplicates/bad lines', async () => {
    await nav('Import and export');
    await page.getByRole('heading', { level: 1, name: 'Import and export' }).waitFor();
    const lines: string[] = [];
    for (const raw of generateUsage({ seed: 99, events: 200, days: 3, end: Date.now() - 2 * HOUR, keys: 3, accounts: 4, models: 3 })) lines.push(JSON.stringify(raw));
    const fresh = lines.filter((l) => normalizeRecord(JSON.parse(l)).ok).length;
    lines.splice(10, 0, '{"unrelated":"not a usage record"}');
    const file = join(dir, 'usage-import.jsonl');
    await writeFile(file, `${lines.join('\n')}\n`);
    const size = Buffer.byteLength(`${lines.join('\n')}\n`);
    expect(size).toBeGreaterThan(3 * CHUNK);
    const before = (await api<{ requests: number }>('/analytics/summary?from=0')).requests;

    // The second chunk fails once (a dropped connection); Resume continues from the server's offset.
    let chunkCalls = 0;
    allowChunkFailures = true;
    await page.route('**/import-sessions/*/chunk*', (route) => (++chunkCalls === 2 ? route.abort('connectionreset') : route.continue()));
    await page.locator('input[name="import-file"]').setInputFiles(file);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByText('The upload stopped.', { exact: false }).waitFor();
    await expect.poll(() => page.getByRole('progressbar').getAttribute('aria-valuenow')).not.toBe('0');
    await page.getByRole('button', { name: 'Resume upload' }).click();
    const report = page.getByTestId('import-report');
    await report.waitFor({ timeout: 30_000 });
    await page.unroute('**/import-sessions/*/chunk*');
    allowChunkFailures = false;
    expect(chunkCalls).toBeGreaterThan(Math.ceil(size / CHUNK));
    expect(await page.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
    const fmt = (n: number) => new Intl.NumberFormat('en').format(n);
    await expect.poll(() => report.getByTestId('import-inserted').textContent()).toBe(fmt(fresh));
    expect(await report.getByTestId('import-rejected').textContent()).toBe('1');
    await report.getByTestId('import-rejections').getByText('Line 11').waitFor();
    const after = (await api<{ requests: number }>('/analytics/summary?from=0')).requests;
    expect(after).toBe(before + fresh);
    await expect.poll(() => report.getByTestId('import-events').textContent()).toBe(`${fmt(before)} → ${fmt(after)}`);

    // The same file again: everything is a duplicate.
    await page.locator('input[name="import-file"]').setInputFiles(file);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await expect.poll(() => page.getByTestId('import-duplicates').textContent(), { timeout: 30_000 }).toBe(fmt(fresh));
    expect(await page.getByTestId('import-inserted').textContent()).toBe('0');

    // A line that is not JSON stops the import; the server's sentence names the line.
    const broken = join(dir, 'broken.jsonl');
    await writeFile(broken, `${lines[0]}\n${lines[1]}\n{not json\n`);
    await page.locator('input[name="import-file"]').setInputFiles(broken);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await expect.poll(() => page.getByTestId('import-failed').textContent(), { timeout: 30_000 }).toContain('Line 3');
    expect(problems).toEqual([]);
  });

  it('Export: CSV and JSONL downloads stream every event of the range', async () => {
    await nav('Import and export');
    await page.getByRole('heading', { level: 1, name: 'Import and export' }).waitFor();
    const total = (await api<{ requests: number }>('/analytics/summary?from=0')).requests;
    await page.locator('select[name="export-format"]').selectOption('csv');
    const [csvDl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export', exact: true }).click()]);
    expect(csvDl.suggestedFilename()).toMatch(/\.csv$/);
    const csv = await readFile((await csvDl.path())!, 'utf8');
    expect(csvRecords(csv)).toBe(total + 1);
    await page.getByTestId('export-link').waitFor();

    await page.locator('select[name="export-format"]').selectOption('jsonl');
    const [jsonlDl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export', exact: true }).click()]);
    const jsonl = await readFile((await jsonlDl.path())!, 'utf8');
    expect(jsonl.trim().split('\n').length).toBe(total);
    await shot('admin-data');
    expect(problems).toEqual([]);
  });

  it('Collector: status from the real collector, counters move with new records, the doctor runs on demand', async () => {
    await nav('Collector');
    await page.getByRole('heading', { level: 1, name: 'Collector' }).waitFor();
    await expect.poll(() => page.getByTestId('collector-state').textContent(), { timeout: 20_000 }).toBe('Running');
    await expect.poll(() => page.getByTestId('collector-cpa-version').textContent()).toBe('7.2.140');
    const fresh = [...generateUsage({ seed: 5, events: 5, days: 1, end: Date.now(), keys: 1, accounts: 1, models: 1 })];
    for (const r of fresh) fake.enqueueUsage(r);
    await expect.poll(async () => Number(await page.getByTestId('collector-inserted').textContent()), { timeout: 20_000 }).toBeGreaterThanOrEqual(fresh.length);
    await page.getByRole('button', { name: 'Run doctor now' }).click();
    await expect.poll(() => page.getByTestId('doctor-findings').locator('li').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await page.getByTestId('coverage-timeline').locator('.gap').first().waitFor();
    await page.getByTestId('gaps-table').getByText('cpamp was stopped longer than CPA keeps records').waitFor();
    await shot('admin-collector');
    expect(problems).toEqual([]);
  });

  it('Storage: the report shows the tables; retention settings save and run now round-trip', async () => {
    await nav('Storage');
    await page.getByRole('heading', { level: 1, name: 'Storage' }).waitFor();
    const report = await api<{ events: number }>('/storage');
    await expect.poll(() => page.getByTestId('storage-events').textContent()).toBe(new Intl.NumberFormat('en').format(report.events));
    await expect.poll(() => page.locator('[data-testid="storage-objects"] tbody tr').count()).toBeGreaterThan(3);
    await expect.poll(() => page.getByTestId('storage-memory').textContent()).toMatch(/\d+ of \d+ events are in memory .*USAGE_COLUMN_CACHE_MAX_EVENTS=0/s);

    await page.locator('input[name="retention-days"]').fill('400');
    await page.locator('input[name="retention-mb"]').fill('2048');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(async () => api<{ rawDays: number | null; maxDbMegabytes: number | null }>('/retention')).toMatchObject({ rawDays: 400, maxDbMegabytes: 2048 });
    await page.locator('input[name="retention-days"]').fill('0');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Days must be a whole number').waitFor();
    await page.locator('input[name="retention-days"]').fill('400');

    await page.getByRole('button', { name: 'Run now' }).click();
    await page.getByText(/Retention deleted 0 events/).waitFor();
    await expect.poll(() => page.getByTestId('retention-last').textContent()).toContain('0 events deleted');
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Storage' }).waitFor();
    await expect.poll(() => page.locator('input[name="retention-days"]').inputValue()).toBe('400');
    await expect.poll(() => page.locator('input[name="retention-mb"]').inputValue()).toBe('2048');
    await shot('admin-storage');
    expect(problems).toEqual([]);
  });
  it('CPA pages (stretch): auth-file model rules, provider key test, plugin store + config, log level filter', async () => {
    const cpa = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
      const res = await fetch(`${fake.url}/v0/management${path}`, { ...init, headers: { Authorization: `Bearer ${fake.managementKey}`, 'Content-Type': 'application/json' } });
      expect(res.status, path).toBe(200);
      return (await res.json()) as T;
    };
    // Auth files → Model rules: exclusions and aliases land in CPA's config.
    // With a cpamp server, Auth files is the Accounts page; its Model rules button is there.
    await nav('Accounts');
    await page.getByRole('button', { name: 'Model rules', exact: true }).click();
    await page.locator('input[name="rules-provider"]').fill('codex');
    await page.locator('textarea[name="excluded-models"]').fill('gpt-4*\no1-mini');
    await page.locator('textarea[name="model-aliases"]').fill('gpt-5-codex = codex-fast');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Model rules of codex saved.').waitFor();
    expect((await cpa<{ 'oauth-excluded-models': Record<string, string[]> }>('/oauth-excluded-models'))['oauth-excluded-models']['codex']).toEqual(['gpt-4*', 'o1-mini']);
    expect((await cpa<{ 'oauth-model-alias': Record<string, unknown[]> }>('/oauth-model-alias'))['oauth-model-alias']['codex']).toEqual([{ name: 'gpt-5-codex', alias: 'codex-fast' }]);
    await page.getByRole('button', { name: 'Model rules', exact: true }).click();
    await expect.poll(() => page.locator('textarea[name="model-aliases"]').inputValue()).toBe('gpt-5-codex = codex-fast');
    await page.screenshot({ path: `${ART}cpa-model-rules-light.png` });
    await page.keyboard.press('Escape');

    // Providers → test key: CPA calls the model list with the stored key through /api-call.
    await cpa('/codex-api-key', { method: 'PUT', body: JSON.stringify([{ 'api-key': 'sk-codex-test-key-123456', 'base-url': 'https://api.openai.com/v1' }]) });
    fake.setApiCallResponder((req) => (req.url === 'https://api.openai.com/v1/models' && req.header['Authorization'] === 'Bearer fake-config-api-key' ? { statusCode: 200, body: JSON.stringify({ data: [{ id: 'gpt-5' }, { id: 'gpt-5-codex' }] }) } : undefined));
    await nav('AI providers');
    await page.getByRole('button', { name: 'Test key Codex 1' }).click();
    await expect.poll(() => page.getByTestId('key-test').textContent()).toMatch(/^OK · 2 models · \d+ ms$/);
    await shot('cpa-providers-test');
    fake.setApiCallResponder(null);

    // Plugins → store install, then configure.
    await nav('Plugins');
    const store = page.getByTestId('plugin-store');
    await store.getByRole('button', { name: 'Install Gemini CLI' }).click();
    await page.getByText('Gemini CLI installed.').waitFor();
    await store.locator('[data-store-plugin="gemini-cli"]').getByText('installed').waitFor();
    await page.locator('[data-plugin="gemini-cli"]').waitFor();
    expect((await cpa<{ plugins: { id: string }[] }>('/plugins')).plugins.map((p) => p.id)).toContain('gemini-cli');
    await page.getByRole('button', { name: 'Configure Usage Exporter' }).click();
    await expect.poll(() => page.locator('textarea[name="plugin-config"]').inputValue()).toContain('"enabled"');
    await page.locator('textarea[name="plugin-config"]').fill('{ "enabled": true, "priority": 5, "target": "s3://bucket" }');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(async () => cpa<Record<string, unknown>>('/plugins/usage-exporter/config')).toEqual({ enabled: true, priority: 5, target: 's3://bucket' });
    await shot('cpa-plugins');

    // Logs → level filter keeps warnings and errors only.
    await cpa('/logging-to-file', { method: 'PUT', body: JSON.stringify({ value: true }) });
    await nav('Logs');
    await page.locator('.log .ln').first().waitFor();
    const all = await page.locator('.log .ln').count();
    await page.locator('select[name="log-level"]').selectOption('warn');
    await expect.poll(() => page.locator('.log .ln').count()).toBeLessThan(all);
    for (const line of await page.locator('.log .ln').allTextContents()) expect(line).not.toMatch(/^\[[^\]]*\] \[(info|debug)\]/);
    await shot('cpa-logs-filter');
    expect(problems).toEqual([]);
  });
  it('the admin pages fit a 375 px screen without horizontal overflow', async () => {
    await page.setViewportSize({ width: 375, height: 812 });
    try {
      // Russian has the longest labels of the four locales.
      for (const lang of ['en', 'ru']) {
        await page.locator('#lang').selectOption(lang);
        for (const route of ['prices', 'aliases', 'data', 'collector', 'storage']) {
          await page.evaluate((r) => (location.hash = `#/${r}`), route);
          await page.locator('h1').first().waitFor();
          // Measure the page with its data, not its loading skeletons.
          await page.waitForFunction(() => document.querySelector('main [aria-busy="true"]') === null);
          const escaping = await page.evaluate(() =>
            [...document.querySelectorAll('main *')]
              .filter((el) => el.getBoundingClientRect().right > 376 && (el.parentElement?.getBoundingClientRect().right ?? 0) <= 376)
              .map((el) => `${el.tagName}.${el.className}`)
              .slice(0, 3),
          );
          expect(await page.evaluate(() => document.documentElement.scrollWidth), `${lang} ${route}: ${escaping.join(', ')}`).toBeLessThanOrEqual(375);
        }
      }
      await page.screenshot({ path: `${ART}admin-storage-375-ru-light.png`, fullPage: true });
      await page.locator('#lang').selectOption('en');
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
    expect(problems).toEqual([]);
  });
});
