import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defineConfig } from '@cpamp/server';
import { fakeAuthIndex, generateAccounts, startFakeCpa, startFakeTelegram, type FakeCpa, type FakeTelegram } from '@cpamp/testkit';
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
  themeApplied,
  themeShots,
  type SeededStore,
} from './walk-harness';

// The pool, inspection and alerts pages in Chromium against a real cpamp server (buildApp, temp data dir,
// real SQLite) whose CPA is the fake one with per-account quota emulation, plus a real local webhook receiver.
const ADMIN_KEY = 'test-admin-key-pool-0123456789abcdef';
const SEED = 21;
// Enough accounts that the table needs more than one cursor page (200 per page).
const ACCOUNTS = 260;

// expect.poll waits 1 s by default; a loaded CI machine with 450 accounts needs longer.
const poll = <T>(fn: () => T | Promise<T>, o: { timeout?: number } = {}) => expect.poll(fn, { timeout: 10_000, ...o });

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

describe('pool, inspection and alerts pages in Chromium', () => {
  let built: BuiltPanel;
  let fake: FakeCpa;
  let seeded: SeededStore;
  let app: FastifyInstance;
  let url: string;
  let browser: Browser;
  let page: Page;
  let receiver: Server;
  let receiverUrl: string;
  let telegram: FakeTelegram;
  const received: Received[] = [];
  const problems: string[] = [];
  let expiredIndex = '';
  let probed = 0;

  const shot = (name: string) => themeShots(page, name, { clearToasts: true });
  const nav = (name: string) => navTo(page, name);
  const auth = { Authorization: `Bearer ${ADMIN_KEY}` };
  type RunRow = { id: number; total: number; state: string };
  const latestRun = async () => ((await (await fetch(`${url}/v0/management/pool/inspections?limit=1`, { headers: auth })).json()) as { items: RunRow[] }).items[0];
  /** Runs a full inspection through the API and waits for it: the pool's windows come from its probes. */
  async function inspectAll(): Promise<void> {
    const res = await fetch(`${url}/v0/management/pool/inspections`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(202);
    const { run } = (await res.json()) as { run: RunRow };
    const state = async () => ((await (await fetch(`${url}/v0/management/pool/inspections/${run.id}?limit=1`, { headers: auth })).json()) as { run: RunRow }).run.state;
    await poll(state, { timeout: 20_000 }).toBe('done');
  }

  beforeAll(async () => {
    await ensureArtifacts();
    built = await buildPanel();
    const files = generateAccounts({ seed: SEED, accounts: ACCOUNTS });
    fake = await startFakeCpa({ authFiles: files });
    // Quota states for every account the fake can emulate (Codex and Claude): one used up, one with an
    // expired token, one banned, the rest at varied levels.
    // Codex first: the special states are set on Codex accounts.
    const quota = files
      .filter((f) => f.content['type'] === 'codex' || f.content['type'] === 'claude')
      .sort((a, b) => Number(b.content['type'] === 'codex') - Number(a.content['type'] === 'codex'));
    quota.forEach((f, i) => {
      const idx = fakeAuthIndex(f);
      if (i === 0) fake.accounts.exhaust(idx, { resetInSeconds: 3_600 });
      else if (i === 1) {
        fake.accounts.expire(idx);
        expiredIndex = idx;
      } else if (i === 2) fake.accounts.ban(idx);
      else fake.accounts.setQuota(idx, { primary: { usedPercent: (i * 17) % 95, resetInSeconds: 3_000 + i * 60 }, secondary: { usedPercent: 20 + ((i * 7) % 60) } });
    });
    probed = quota.length;

    seeded = await openSeededStore('pool', { seed: SEED, events: 400, days: 1, end: Date.now(), accounts: ACCOUNTS, keys: 4, models: 6, failureRate: 0.05 });

    receiver = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    telegram = await startFakeTelegram({ token: '123456:test-bot-token' });

    ({ app, url } = await startPanelServer({
      seeded,
      panelDir: built.dir,
      adminKey: ADMIN_KEY,
      fake,
      configure: (base) =>
        defineConfig({
          ...base,
          automation: { ...base.automation, quotaCooldownEnabled: true, accountActionsEnabled: true, lockedByEnv: ['USAGE_ACCOUNT_ACTIONS_AUTO_DISABLE'] },
        }),
      deps: { collector: false },
    }));

    browser = await launchChromium();
  }, 120_000);

  // Every test gets its own browser context, logged in on the Dashboard, and sets up the data it needs.
  beforeEach(async () => {
    page = await openPage(browser, { timeoutMs: 15_000 });
    collectErrors(page, problems);
    page.on('dialog', (d) => void d.accept());
    await adminLogin(page, url, ADMIN_KEY);
  }, 60_000);

  afterEach(async () => {
    await page.context().close();
    expect(problems.splice(0)).toEqual([]);
  });

  afterAll(async () => {
    await closeInOrder(browser, app, seeded, fake);
    await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
    await closeInOrder(telegram, built);
  });

  it('Inspection: runs with live progress, results, cancel; the auth-issue queue; the policy form with an env lock', async () => {
    await nav('Inspection');
    await page.getByRole('heading', { level: 1, name: 'Inspection' }).waitFor();
    const before = await latestRun();
    if (!before) await page.getByText('No inspection runs yet.').first().waitFor();
    await page.getByRole('button', { name: 'Start inspection' }).click();
    await page.getByTestId('run-list').locator('li').first().waitFor();
    // The new run (not an older one) is the one shown.
    await poll(async () => (await latestRun())?.id ?? 0).toBeGreaterThan(before?.id ?? 0);
    await poll(() => page.getByTestId('run-state').textContent(), { timeout: 20_000 }).toBe('Done');
    const progress = await page.getByTestId('run-progress').textContent();
    expect(progress).toMatch(/^(\d+) \/ \1$/);
    const results = page.getByTestId('run-results').locator('tbody tr');
    await poll(() => results.count()).toBeGreaterThanOrEqual(Math.min(probed, 100));
    // Results come in pages of 100: filter by result to find the rare ones.
    await page.locator('select[name="result-filter"]').selectOption('unauthorized');
    await poll(() => results.count()).toBe(1);
    await poll(() => page.getByTestId('run-results').textContent()).toContain(expiredIndex);
    await page.locator('select[name="result-filter"]').selectOption('exhausted');
    await poll(() => page.getByTestId('run-results').getByText('Quota exhausted').count()).toBe(1);
    await page.locator('select[name="result-filter"]').selectOption('');

    // The expired account lands in the auth-issue queue.
    await poll(() => page.getByTestId('issue-table').textContent(), { timeout: 15_000 }).toContain(expiredIndex);

    // Ignore it: it leaves the open tab and shows under "Ignored".
    const issueRow = page.getByTestId('issue-table').locator('tbody tr', { hasText: expiredIndex });
    await issueRow.getByRole('button', { name: 'Ignore' }).click();
    await poll(() => issueRow.count()).toBe(0);
    await page.getByRole('tab', { name: 'Ignored' }).click();
    await poll(() => page.getByTestId('issue-table').locator('tbody tr', { hasText: expiredIndex }).count()).toBe(1);
    await page.getByRole('tab', { name: 'Open' }).click();

    // The policy form saves what changed.
    const policyUrl = `${url}/v0/management/pool/policy`;
    const policy = async () => ((await (await fetch(policyUrl, { headers: { Authorization: `Bearer ${ADMIN_KEY}` } })).json()) as { policy: { inspectionConcurrency: number } }).policy;
    await page.getByTestId('policy-form').locator('input[name="inspectionConcurrency"]').fill('6');
    await page.getByTestId('policy-form').getByRole('button', { name: 'Save' }).click();
    await page.getByText('Policy saved.').first().waitFor();
    expect((await policy()).inspectionConcurrency).toBe(6);

    // Env-locked policy field: disabled, with the variable named.
    const locked = page.getByTestId('policy-form').locator('input[name="autoDisableAuthIssues"]');
    await poll(() => locked.isDisabled()).toBe(true);
    await page.getByTestId('policy-form').getByText('USAGE_ACCOUNT_ACTIONS_AUTO_DISABLE').first().waitFor();
    await shot('inspection');

    // A slow run: progress moves live, then the run is cancelled.
    fake.accounts.setLatency(150);
    await page.getByRole('button', { name: 'Start inspection' }).click();
    await poll(() => page.getByTestId('run-state').textContent()).toBe('Running');
    await poll(async () => Number(/^(\d+)/.exec((await page.getByTestId('run-progress').textContent()) ?? '')?.[1] ?? 0)).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await poll(() => page.getByTestId('run-state').textContent()).toBe('Cancelled');
    fake.accounts.setLatency(0);
  });

  it('Pool: counts, forecast cards and chart, the accounts table and an account drawer show real data', async () => {
    await inspectAll();
    const res = await fetch(`${url}/v0/management/pool/overview`, { headers: { Authorization: `Bearer ${ADMIN_KEY}` } });
    expect(res.status).toBe(200);
    const overview = (await res.json()) as { counts: { total: number }; providers: { verdict: string }[] };
    expect(overview.counts.total).toBeGreaterThan(0);

    await nav('Accounts');
    // The one Accounts workspace holds the pool (issue #17).
    await page.getByRole('heading', { level: 1, name: 'Accounts' }).waitFor();
    await poll(() => page.getByTestId('pool-total').textContent()).toBe(new Intl.NumberFormat('en').format(overview.counts.total));
    expect(await page.getByTestId('forecast-card').count()).toBe(overview.providers.length);
    await poll(() => page.getByTestId('pool-shown').textContent()).toMatch(new RegExp(`of ${overview.counts.total}$`));
    const rows = page.getByTestId('pool-viewport').locator('[role="row"]');
    await poll(() => rows.count()).toBeGreaterThan(5);
    await page.getByTestId('pool-viewport').locator('[data-window]').first().waitFor();
    await shot('pool');

    // Filter by status: the table follows.
    await page.locator('select[name="pool-status"]').selectOption('banned');
    await poll(() => page.getByTestId('pool-shown').textContent()).not.toMatch(new RegExp(`of ${overview.counts.total}$`));
    await page.locator('select[name="pool-status"]').selectOption('');
    await poll(() => page.getByTestId('pool-shown').textContent()).toMatch(new RegExp(`of ${overview.counts.total}$`));
    await poll(() => page.locator('[role="table"][aria-label="Accounts"]').getAttribute('aria-busy')).toBe('false');

    // Pick two accounts and inspect just those.
    // Codex rows: the policy inspects codex and claude only, so an antigravity pick would not be probed.
    const codexRows = rows.filter({ hasText: 'codex ·' });
    const pickA = await codexRows.nth(0).getAttribute('data-auth-index');
    const pickB = await codexRows.nth(1).getAttribute('data-auth-index');
    await page.locator(`[data-auth-index="${pickA}"] input[name="pick"]`).check();
    await page.locator(`[data-auth-index="${pickB}"] input[name="pick"]`).check();
    await page.locator('select[name="bulk-action"]').selectOption('inspect');
    await page.getByTestId('bulk-apply').click();
    await page.getByTestId('bulk-confirm').click();
    await page.getByRole('link', { name: 'Open inspection' }).waitFor();
    expect((await latestRun())?.total).toBe(2);
    await poll(async () => (await latestRun())?.state).toBe('done');

    // The drawer of an account this test inspected.
    await page.locator(`[data-auth-index="${pickA}"]`).click();
    const drawer = page.getByTestId('account-drawer');
    await drawer.getByText('Window history (used %)').waitFor();
    await drawer.getByText('Inspection results').waitFor();
    await drawer.locator('svg[role="img"]').first().waitFor();
    // The drawer is modal (the theme buttons are inert behind it): switch the theme attribute directly.
    for (const theme of ['light', 'dark'] as const) {
      await page.evaluate((th) => document.documentElement.setAttribute('data-theme', th), theme);
      await themeApplied(page, theme);
      await page.screenshot({ path: `${ART}pool-drawer-${theme}.png` });
    }
    await page.evaluate(() => document.documentElement.setAttribute('data-theme', 'light'));
    await drawer.getByRole('button', { name: 'Close' }).click();
    await poll(() => drawer.count()).toBe(0);

    // Cursor paging: scrolling to the end of the virtualised table loads the next pages, the DOM stays small.
    const total = overview.counts.total;
    expect(total).toBeGreaterThan(200);
    await poll(() => page.getByTestId('pool-shown').textContent()).toBe(`200 of ${total}`);
    for (let i = 0; i < 60; i++) {
      const shown = await page.getByTestId('pool-shown').textContent();
      if (shown === `${total} of ${total}`) break;
      await page.getByTestId('pool-viewport').evaluate((el) => el.scrollTo(0, el.scrollHeight));
      // Each scroll to the end appends the next page.
      await poll(() => page.getByTestId('pool-shown').textContent()).not.toBe(shown);
    }
    await poll(() => page.getByTestId('pool-shown').textContent()).toBe(`${total} of ${total}`);
    expect(await rows.count()).toBeLessThan(60);
  });

  it('Alerts: webhook and Telegram channels and a rule are created, test sends reach the receivers, incidents arrive live', async () => {
    await nav('Alerts');
    await page.getByRole('heading', { level: 1, name: 'Alerts' }).waitFor();
    // Rules and channels have their own tab; incidents come first.
    await page.getByRole('tab', { name: 'Rules and channels' }).click();
    await page.getByRole('button', { name: 'New channel' }).click();
    await page.locator('input[name="channel-name"]').fill('ops hook');
    await page.locator('input[name="channel-url"]').fill(receiverUrl);
    await page.locator('input[name="channel-secret"]').fill('s3cret-signing-key');
    await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('channels').getByText('ops hook').waitFor();

    await page.getByRole('button', { name: 'New rule' }).click();
    await page.locator('input[name="rule-name"]').fill('Codex low');
    await page.locator('input[name="param-remainingPercentBelow"]').fill('15');
    await page.locator('input[name="param-provider"]').fill('codex');
    await page.screenshot({ path: `${ART}alerts-rule-form-light.png` });
    await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('rules').getByText('Codex low').waitFor();
    const rules = (await (await fetch(`${url}/v0/management/alerts/rules`, { headers: { Authorization: `Bearer ${ADMIN_KEY}` } })).json()) as {
      items: { name: string; params: Record<string, unknown>; channelIds: number[] }[];
    };
    expect(rules.items[0]).toMatchObject({ name: 'Codex low', params: { remainingPercentBelow: 15, provider: 'codex' } });
    expect(rules.items[0]!.channelIds).toHaveLength(1);

    await page.getByRole('button', { name: 'Send test' }).click();
    await poll(() => page.getByTestId('test-result').textContent()).toBe('Sent');
    await page.getByTestId('deliveries').getByText('ops hook').waitFor();
    expect(received).toHaveLength(1);
    const sig = Object.entries(received[0]!.headers).find(([k]) => /signature/i.test(k))?.[1];
    expect(typeof sig).toBe('string');
    expect(String(sig)).toContain(createHmac('sha256', 's3cret-signing-key').update(received[0]!.body).digest('hex'));

    // Telegram: the bot token is write-only; editing without retyping it keeps it.
    await page.getByRole('button', { name: 'New channel' }).click();
    await page.locator('select[name="channel-type"]').selectOption('telegram');
    await page.locator('input[name="channel-name"]').fill('tg ops');
    await page.locator('input[name="channel-chat-id"]').fill('-100123');
    await page.locator('input[name="channel-bot-token"]').fill('123456:test-bot-token');
    await page.locator('input[name="channel-api-base"]').fill(telegram.url);
    await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    const tgRow = page.getByTestId('channels').locator('li', { hasText: 'tg ops' });
    await tgRow.waitFor();
    expect(await page.getByTestId('channels').textContent()).not.toContain('test-bot-token');
    await tgRow.getByRole('button', { name: 'Edit tg ops' }).click();
    expect(await page.locator('input[name="channel-bot-token"]').inputValue()).toBe('');
    expect(await page.locator('input[name="channel-bot-token"]').getAttribute('placeholder')).toBe('Saved; leave empty to keep it');
    await page.locator('input[name="channel-chat-id"]').fill('-100456');
    await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    await tgRow.getByText('chat -100456').waitFor();
    await tgRow.getByRole('button', { name: 'Send test' }).click();
    await poll(() => tgRow.getByTestId('test-result').textContent()).toBe('Sent');
    expect(telegram.messages).toHaveLength(1);
    expect(telegram.messages[0]).toMatchObject({ token: '123456:test-bot-token', chatId: '-100456' });

    // A new incident arrives live (SSE 'alert') while the page is open: a rule on auth issues, then a new
    // inspection run finds the expired and banned accounts again.
    await poll(() => page.getByTestId('live').textContent()).toBe('● Live');
    const json = { ...auth, 'Content-Type': 'application/json' };
    const created = await fetch(`${url}/v0/management/alerts/rules`, { method: 'POST', headers: json, body: JSON.stringify({ name: 'Auth issues', kind: 'account-auth-issue', severity: 'critical' }) });
    expect(created.status).toBe(201);
    const started = await fetch(`${url}/v0/management/pool/inspections`, { method: 'POST', headers: json, body: '{}' });
    expect(started.status).toBe(202);
    await page.getByRole('tab', { name: 'Incidents' }).click();
    await poll(() => page.getByTestId('incidents').locator('tbody tr').count(), { timeout: 20_000 }).toBeGreaterThan(0);
    await page.getByTestId('incidents').getByText('Critical').first().waitFor();
    await shot('alerts');

    // The pool page in Chinese: every label comes from the pool area's zh-CN messages.
    await page.locator('select#lang').selectOption('zh-CN');
    // Pool, Auth files and Quota fold into the Accounts workspace (one menu entry).
    await navTo(page, '账号');
    await page.getByRole('heading', { level: 1, name: '账号' }).waitFor();
    await page.getByTestId('forecast-card').first().waitFor();
    expect(await page.locator('main').textContent()).not.toMatch(/undefined|NaN/);
    await page.screenshot({ path: `${ART}pool-zh-CN-light.png`, fullPage: true });
    await page.locator('select#lang').selectOption('en');
  });
});
