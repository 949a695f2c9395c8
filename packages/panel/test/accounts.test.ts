// The Accounts workspace (issue #17) in Chromium on the demo pool (`cpamp demo`'s accounts and quota roles):
// one status per account on the Accounts page, the Dashboard and the pool summary; find and re-enable a
// cooldown account; bulk-disable the banned ones; re-login an expired one through the fake CPA's OAuth; set
// a priority; paste an auth file; screenshots in both themes and at 375 px.
import { join } from 'node:path';
import { generateAccountPool, startFakeCpa } from '@cpamp/testkit';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_ACCOUNTS, DEMO_SEED, planDemoPool, seedDemoQuotas } from '../../server/src/cli/demo-pool';
import { buildPanel, type BuiltPanel } from './build-panel';
import { adminLogin, ARTIFACTS, closeInOrder, collectErrors, ensureArtifacts, launchChromium, navTo, openPage, startDemoServer, themeShots, type DemoCpa, type DemoServer } from './walk-harness';

const poll = <T>(fn: () => T | Promise<T>, o: { timeout?: number } = {}) => expect.poll(fn, { timeout: 15_000, ...o });
type Account = { authIndex: string; fileName: string | null; status: string; disabledBy: string | null; provider: string };

describe('the Accounts workspace on the demo pool', () => {
  let built: BuiltPanel;
  let cpa: DemoCpa;
  let server: DemoServer;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const plan = planDemoPool(generateAccountPool({ seed: DEMO_SEED, accounts: DEMO_ACCOUNTS }));

  const api = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
    const res = await fetch(`${server.url}/v0/management${path}`, { ...init, headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });
    return (await res.json()) as T;
  };
  const account = async (authIndex: string) => (await api<{ account: Account }>(`/pool/accounts/${authIndex}`)).account;

  beforeAll(async () => {
    await ensureArtifacts();
    built = await buildPanel();
    const accounts = generateAccountPool({ seed: DEMO_SEED, accounts: DEMO_ACCOUNTS });
    const fake = await startFakeCpa({ usageStatisticsEnabled: true, retentionSeconds: 60, authFiles: accounts.flatMap((a) => (a.file ? [a.file] : [])), oauthPollsBeforeOk: 1 });
    seedDemoQuotas(fake.accounts, plan, Date.now());
    cpa = { fake, accounts };
    server = await startDemoServer(cpa, { panelPath: join(built.dir, 'management.html'), history: 300 });
    browser = await launchChromium();
    page = await openPage(browser, { timeoutMs: 15_000 });
    collectErrors(page, problems);
    page.on('dialog', (d) => void d.accept());
    await adminLogin(page, server.url, server.adminKey);
  }, 120_000);

  // Each task starts from the unfiltered page with no drawer open, whatever the previous one left.
  beforeEach(async () => {
    if ((await page.locator('dialog[open]').count()) > 0) await page.keyboard.press('Escape');
    if ((await page.locator('input[name="pool-search"]').count()) > 0) {
      await page.locator('input[name="pool-search"]').fill('');
      await page.locator('select[name="pool-status"]').selectOption('');
    }
  });

  afterAll(async () => {
    await page?.context().close();
    await closeInOrder(browser, server, cpa?.fake, built);
    expect(problems).toEqual([]);
  }, 60_000);

  it('shows one status per account: the Dashboard, the Accounts page and the pool summary agree', async () => {
    const overview = await api<{ counts: Record<string, number> }>('/pool/overview');
    expect(overview.counts['cooldown']).toBe(plan.exhausted.length);
    const states = Object.entries(overview.counts).filter(([k, n]) => k !== 'total' && n > 0);
    // Dashboard legend: one entry per state, with the summary's number.
    const legend = page.getByTestId('dash-account-status').locator('li');
    await poll(() => legend.count()).toBe(states.length);
    const { MESSAGES } = await import('../src/lib/i18n');
    const labels = MESSAGES.en.accounts.state;
    for (const [state, n] of states) await poll(() => legend.filter({ hasText: labels[state]! }).locator('strong').textContent()).toBe(String(n));
    // Accounts page: the same counts per state, and the table filtered by state shows that many rows.
    await navTo(page, 'Accounts');
    await page.getByRole('heading', { level: 1, name: 'Accounts' }).waitFor();
    await poll(() => page.getByTestId('pool-total').textContent()).toBe(String(overview.counts['total']));
    for (const [state, n] of states) await poll(() => page.locator(`.count[data-status="${state}"] .kpi`).textContent()).toBe(String(n));
    await page.locator('select[name="pool-status"]').selectOption('banned');
    await poll(() => page.getByTestId('pool-viewport').locator('[data-testid="row-status"][data-status="banned"]').count()).toBe(overview.counts['banned']);
    await page.locator('select[name="pool-status"]').selectOption('');
    await themeShots(page, 'accounts', { inBanner: true, clearToasts: true });
  }, 60_000);

  it('finds a cooldown account and re-enables it', async () => {
    const target = plan.exhausted[0]!;
    await page.locator('input[name="pool-search"]').fill(target.file!.name);
    const row = page.locator(`[data-auth-index="${target.authIndex}"]`);
    await poll(() => row.getAttribute('data-auth-index')).toBe(target.authIndex);
    await expect(row.getByTestId('row-status').getAttribute('data-status')).resolves.toBe('cooldown');
    await row.click();
    const drawer = page.getByTestId('account-drawer');
    await drawer.getByTestId('status-owner').waitFor();
    await drawer.getByRole('button', { name: 'Re-enable now' }).click();
    await poll(async () => (await account(target.authIndex)).disabledBy).toBe(null);
    expect(cpa.fake.authFiles().find((f) => f.name === target.file!.name)?.content.disabled).not.toBe(true);
    await poll(async () => (await account(target.authIndex)).status).not.toBe('cooldown');
    await drawer.getByRole('button', { name: 'Close' }).click();
    await page.locator('input[name="pool-search"]').fill('');
  }, 60_000);

  it('bulk-disables the banned accounts with a summary, then progress', async () => {
    await page.locator('select[name="pool-status"]').selectOption('banned');
    // The filtered rows arrive from the server: select them once they are there.
    await poll(() => page.getByTestId('pool-viewport').locator('[data-testid="row-status"][data-status="banned"]').count()).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Select all shown' }).click();
    await poll(() => page.getByTestId('picked-count').textContent()).toMatch(/^[1-9]\d* selected$/);
    await page.locator('select[name="bulk-action"]').selectOption('disable');
    await page.getByTestId('bulk-apply').click();
    await poll(() => page.getByTestId('bulk-summary').textContent()).toMatch(/^Disable: \d+ account/);
    await themeShots(page, 'accounts-bulk-summary', { inBanner: true, clearToasts: true });
    await page.getByTestId('bulk-confirm').click();
    await poll(async () => {
      const p = page.getByTestId('bulk-progress');
      return (await p.getAttribute('data-done')) === (await p.getAttribute('data-total'));
    }).toBe(true);
    for (const a of plan.banned) await poll(() => cpa.fake.authFiles().find((f) => f.name === a.file!.name)?.content.disabled).toBe(true);
    await page.locator('select[name="pool-status"]').selectOption('');
  }, 60_000);

  it('re-logs in an expired account through the OAuth flow, completed by polling', async () => {
    const target = plan.expired[0]!;
    expect((await account(target.authIndex)).status).toBe('expired');
    cpa.fake.reloginAs(target.file!.name);
    await page.locator('input[name="pool-search"]').fill(target.file!.name);
    await page.locator(`[data-auth-index="${target.authIndex}"]`).click();
    const drawer = page.getByTestId('account-drawer');
    await drawer.getByTestId('relogin').getByRole('button', { name: 'Log in again' }).click();
    await poll(() => drawer.getByTestId('relogin').getAttribute('data-phase')).toBe('done');
    expect(String(cpa.fake.authFiles().find((f) => f.name === target.file!.name)?.content.access_token)).toMatch(/^fake-access-/);
    await drawer.getByRole('button', { name: 'Close' }).click();
    await page.locator('input[name="pool-search"]').fill('');
  }, 60_000);

  it('sets a priority in the drawer configuration, written through the auth-file API', async () => {
    const target = plan.steady[0]!;
    await page.locator('input[name="pool-search"]').fill(target.file!.name);
    await page.locator(`[data-auth-index="${target.authIndex}"]`).click();
    const drawer = page.getByTestId('account-drawer');
    await drawer.getByRole('tab', { name: 'Configuration' }).click();
    const form = drawer.getByTestId('account-config');
    await poll(() => form.getAttribute('aria-busy')).toBe('false');
    await form.locator('input[name="priority"]').fill('7');
    await form.locator('input[name="note"]').fill('primary seat');
    await form.getByRole('button', { name: 'Save' }).click();
    await poll(async () => {
      const res = await fetch(`${cpa.fake.url}/v0/management/auth-files?name=${encodeURIComponent(target.file!.name)}`, { headers: { authorization: `Bearer ${cpa.fake.managementKey}` } });
      const f = ((await res.json()) as { files: { name: string; priority?: number; note?: string }[] }).files.find((x) => x.name === target.file!.name);
      return [f?.priority, f?.note];
    }).toEqual([7, 'primary seat']);
    await drawer.getByRole('button', { name: 'Close' }).click();
    await page.locator('input[name="pool-search"]').fill('');
  }, 60_000);

  it('adds an account by pasting auth JSON, with validation first', async () => {
    await page.getByTestId('add-accounts-open').click();
    const dialog = page.getByTestId('add-accounts');
    await dialog.locator('textarea[name="auth-json"]').fill('{"type":"codex"}');
    await dialog.getByTestId('add-invalid').waitFor();
    await dialog.locator('textarea[name="auth-json"]').fill(JSON.stringify({ type: 'codex', email: 'pasted@demo.test', access_token: 'tok-pasted', account_id: 'acc-pasted' }));
    await poll(() => dialog.getByTestId('add-valid').textContent()).toBe('codex-pasted@demo.test.json');
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    await poll(() => cpa.fake.authFiles().some((f) => f.name === 'codex-pasted@demo.test.json')).toBe(true);
  }, 60_000);

  it('fits a 375 px screen', async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    await page.getByRole('heading', { level: 1, name: 'Accounts' }).waitFor();
    await page.screenshot({ path: `${ARTIFACTS}accounts-375.png`, fullPage: true });
    // Nothing but the table scrolls sideways.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375 + 1);
    await page.setViewportSize({ width: 1280, height: 900 });
  }, 60_000);
});
