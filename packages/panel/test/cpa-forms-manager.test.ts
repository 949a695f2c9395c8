import { startFakeCpa, type FakeCpa } from '@cpamp/testkit';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseYaml } from '../src/lib/config/yaml-codec';
import { buildPanel, type BuiltPanel } from './build-panel';
import { adminLogin, closeInOrder, collectErrors, launchChromium, openPage, openSeededStore, startPanelServer, type SeededStore } from './walk-harness';

// The CPA forms in manager mode: the panel talks to CPA through cpamp's proxy (buildApp on real SQLite, the
// fake CPA over real sockets). Settings (a per-key route and a config.yaml key), a provider entry and a
// plugin page all reach CPA (issue #20).
const ADMIN_KEY = 'test-admin-key-cpa-forms-0123456789';

describe('CPA forms in Chromium (manager mode)', () => {
  let built: BuiltPanel;
  let fake: FakeCpa;
  let seeded: SeededStore;
  let app: FastifyInstance;
  let url: string;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  const cpa = (path: string, init: RequestInit = {}) =>
    fetch(`${fake.url}/v0/management${path}`, { ...init, headers: { Authorization: `Bearer ${fake.managementKey}` } });

  beforeAll(async () => {
    built = await buildPanel();
    fake = await startFakeCpa({});
    seeded = await openSeededStore('cpa-forms', { seed: 5, events: 20, days: 1, end: Date.now() - 3_600_000, keys: 1, accounts: 1, models: 1, failureRate: 0 });
    ({ app, url } = await startPanelServer({ seeded, panelDir: built.dir, adminKey: ADMIN_KEY, fake, deps: { retentionSchedule: false } }));
    browser = await launchChromium();
    page = await openPage(browser);
    collectErrors(page, errors, { withLocation: true });
    await adminLogin(page, url, ADMIN_KEY);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await closeInOrder(app, seeded, fake, built);
  });

  it('settings, a provider entry and a plugin page go through cpamp to CPA', async () => {
    await page.goto(`${url}/management.html#/config?group=retry`);
    await page.locator('input[name="max-retry-interval"]').fill('45');
    await page.locator('input[name="transient-error-cooldown-seconds"]').fill('-1');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByTestId('settings-changes').getByText('No changes').waitFor();
    const doc = parseYaml(await (await cpa('/config.yaml')).text()) as Record<string, unknown>;
    expect(doc['max-retry-interval']).toBe(45);
    expect(doc['transient-error-cooldown-seconds']).toBe(-1);

    await page.goto(`${url}/management.html#/providers`);
    const xai = page.locator('section[data-section="xai-api-key"]');
    await xai.getByRole('button', { name: 'Add entry' }).click();
    const form = page.locator('form[data-section="xai-api-key"]');
    await form.locator('[name="api-key"]').fill('xai-manager-mode-0001');
    await form.getByRole('button', { name: 'Add model' }).click();
    await form.locator('[name="model-name-0"]').fill('grok-4');
    await form.locator('[name="model-alias-0"]').fill('grok');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await form.waitFor({ state: 'detached' });
    const list = ((await (await cpa('/xai-api-key')).json()) as { 'xai-api-key': Record<string, unknown>[] })['xai-api-key'];
    expect(list.at(-1)).toMatchObject({ 'api-key': 'xai-manager-mode-0001', models: [{ name: 'grok-4', alias: 'grok' }] });

    fake.installPlugin({ id: 'board', name: 'Board', version: '1.0.0', menus: [{ path: '/v0/resource/plugins/board/index', menu: 'Board page', html: '<html><head></head><body><h1>Board through cpamp</h1></body></html>' }] });
    await cpa('/plugins/board/enabled', { method: 'PATCH', body: JSON.stringify({ enabled: true }) });
    const yaml = await (await cpa('/config.yaml')).text();
    await cpa('/config.yaml', { method: 'PUT', body: yaml.replace(/plugins:\n\s+enabled: false/, 'plugins:\n  enabled: true') });
    await page.goto(`${url}/management.html#/plugins`);
    await page.locator('[data-plugin="board"]').getByRole('link', { name: 'Board page' }).click();
    await page.frameLocator('[data-testid="plugin-page"]').getByRole('heading', { name: 'Board through cpamp' }).waitFor();
    expect(errors).toEqual([]);
  });
});
