// An operator acts on an alert in Chromium: the incident names the account by email with local times,
// is acknowledged, muted for an hour, and followed to the account (the pool's drawer until the accounts
// workspace's page exists). Real cpamp server (buildApp, temp data dir, SQLite), fake CPA over HTTP.
import type { FakeAuthFile, FakeCpa } from '@cpamp/testkit';
import { startFakeCpa } from '@cpamp/testkit';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPanel, type BuiltPanel } from './build-panel';
import {
  adminLogin,
  closeInOrder,
  collectErrors,
  launchChromium,
  navTo,
  openPage,
  openSeededStore,
  startPanelServer,
  type SeededStore,
} from './walk-harness';

const ADMIN_KEY = 'test-admin-key-alerts-act-0123456789';
const EMAIL = 'ana.ops@example.com';
const INDEX = 'a1b2c3d4e5f60718';
const poll = <T>(fn: () => T | Promise<T>, timeout = 15_000) => expect.poll(fn, { timeout });

describe('alerts an operator can act on (Chromium)', () => {
  let built: BuiltPanel;
  let fake: FakeCpa;
  let seeded: SeededStore;
  let app: FastifyInstance;
  let url: string;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const auth = { Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': 'application/json' };

  beforeAll(async () => {
    built = await buildPanel();
    const files: FakeAuthFile[] = [
      {
        name: `codex-${EMAIL}.json`,
        authIndex: INDEX,
        content: { type: 'codex', email: EMAIL, access_token: 'tok-ana' },
      },
      {
        name: 'codex-bo@example.com.json',
        authIndex: 'b1b2c3d4e5f60718',
        content: { type: 'codex', email: 'bo@example.com', access_token: 'tok-bo' },
      },
    ];
    fake = await startFakeCpa({ authFiles: files });
    fake.accounts.expire(INDEX);
    fake.accounts.setQuota('b1b2c3d4e5f60718', {
      primary: { usedPercent: 20 },
      secondary: { usedPercent: 30 },
    });
    seeded = await openSeededStore('alerts-act', {
      seed: 3,
      events: 20,
      days: 1,
      end: Date.now(),
      accounts: 2,
      keys: 1,
      models: 1,
      failureRate: 0,
    });
    ({ app, url } = await startPanelServer({
      seeded,
      panelDir: built.dir,
      adminKey: ADMIN_KEY,
      fake,
      configure: (base) => ({ ...base, automation: { ...base.automation, accountActionsEnabled: true } }),
      deps: { collector: false },
    }));
    // A rule on auth issues, then an inspection finds the expired token: one critical incident.
    const rule = await fetch(`${url}/v0/management/alerts/rules`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ name: 'Auth issues', kind: 'account-auth-issue', severity: 'critical' }),
    });
    expect(rule.status).toBe(201);
    const run = await fetch(`${url}/v0/management/pool/inspections`, {
      method: 'POST',
      headers: auth,
      body: '{}',
    });
    expect(run.status).toBe(202);
    const server = app as unknown as {
      pool: { inspections: { active(): { done: Promise<void> } | null } };
      alerts: { engine: { idle(): Promise<void> } };
    };
    await server.pool.inspections.active()?.done;
    await server.alerts.engine.idle();
    const open = (await (
      await fetch(`${url}/v0/management/alerts/incidents?state=open`, { headers: auth })
    ).json()) as { items: unknown[] };
    expect(open.items).toHaveLength(1);
    browser = await launchChromium();
    page = await openPage(browser, { timeoutMs: 15_000 });
    collectErrors(page, problems);
    await adminLogin(page, url, ADMIN_KEY);
  }, 120_000);

  afterAll(async () => {
    await closeInOrder(browser, app, seeded, fake, built);
  });

  it('acknowledges, mutes and follows an incident to its account', async () => {
    await navTo(page, 'Alerts');
    await page.getByRole('heading', { level: 1, name: 'Alerts' }).waitFor();
    const row = page.getByTestId('incidents').locator('tbody tr', { hasText: EMAIL });
    await row.waitFor();
    // By name, not by auth index; times in the browser's zone and language.
    expect(await row.getByTestId('incident-subject').textContent()).toContain(EMAIL);
    expect(await row.textContent()).not.toContain(INDEX);

    await row.getByTestId('ack').click();
    await row.getByTestId('acked').waitFor();
    await row.getByTestId('mute').click();
    await row.locator('select[name="mute-scope"]').selectOption('rule');
    await row.locator('select[name="mute-for"]').selectOption('60');
    await row.getByTestId('mute-confirm').click();
    await row.getByTestId('muted').waitFor();
    expect(await row.getByTestId('muted').textContent()).toMatch(/^muted until /);

    // Stored on the server: the API says the same.
    const listed = (await (
      await fetch(`${url}/v0/management/alerts/incidents/readable?state=open`, { headers: auth })
    ).json()) as { items: { acked: boolean; mute: { scope: string } | null }[] };
    expect(listed.items[0]).toMatchObject({ acked: true, mute: { scope: 'rule' } });

    // Follow the link: the account opens.
    await row.getByTestId('incident-link').click();
    await poll(() => page.evaluate(() => location.hash));
    expect(await page.evaluate(() => location.hash)).toMatch(
      /^#\/(accounts|pool)\?account=a1b2c3d4e5f60718$/,
    );
    const drawer = page.getByTestId('account-drawer');
    await drawer.waitFor();
    expect(await drawer.textContent()).toContain(EMAIL);
    expect(problems).toEqual([]);
  });

  it('a rule picks its account from a searchable list (no auth index typed)', async () => {
    await page.goto(`${url}/management.html#/alerts?tab=rules`);
    await page.getByRole('button', { name: 'New rule' }).click();
    await page.locator('select[name="rule-kind"]').selectOption('account-auth-issue');
    await page.locator('input[name="rule-name"]').fill('Ana only');
    const picker = page.getByTestId('picker-param-authIndex');
    await picker.locator('input[type="search"]').fill('ana');
    await picker
      .getByRole('option', { name: new RegExp(EMAIL) })
      .getByRole('button')
      .click();
    expect(await page.getByTestId('picked-param-authIndex').textContent()).toBe(EMAIL);
    await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('rules').getByText('Ana only').waitFor();
    const rules = (await (await fetch(`${url}/v0/management/alerts/rules`, { headers: auth })).json()) as {
      items: { name: string; params: Record<string, unknown> }[];
    };
    expect(rules.items.find((r) => r.name === 'Ana only')?.params).toMatchObject({ authIndex: INDEX });
    expect(problems).toEqual([]);
  });
});
