import { startFakeCpa, type FakeCpa } from '@cpamp/testkit';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GROUPS, SETTINGS, type SettingField } from '../src/lib/config/settings-schema';
import { parseYaml } from '../src/lib/config/yaml-codec';
import { buildPanel, type BuiltPanel } from './build-panel';
import { startPanelHost, type PanelHost } from './panel-host';
import { launchChromium } from './walk-harness';

// Every Settings form round-trips against the fake CPA in Chromium (CPA panel mode, same origin): each field
// of each group is changed in the page, saved, and read back from CPA's config.yaml (issue #20).

/** Values for the YAML block fields, shaped as CPA expects them under each key. */
const BLOCKS: Record<string, string> = {
  'codex.live-media-relay.ice-servers': '- urls:\n    - "stun:stun.example.com:3478"',
  'oauth-model-alias': 'codex:\n  - name: gpt-5\n    alias: g5\n    fork: true',
  'oauth-excluded-models': 'codex:\n  - gpt-5-nano\n  - gpt-5-mini',
  'oauth-request-scoped-errors': 'codex:\n  - status: 400\n    match: [context_window_exceeded]\n    action: stop',
  'plugins.store-auth': '- match: "https://example.com/"\n  type: bearer\n  token-env: STORE_TOKEN',
  'plugins.configs': 'example:\n  enabled: true\n  mode: safe',
  payload: 'default:\n  - models:\n      - name: gemini-2.5-pro\n    params:\n      "generationConfig.thinkingConfig.thinkingBudget": 32768',
  'credential-concurrency': 'max-limit: 10',
  'credential-in-flight': 'stale-after: 10s',
};

describe('CPA settings forms in Chromium (CPA mode)', () => {
  let built: BuiltPanel;
  let fake: FakeCpa;
  let host: PanelHost;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  const mgmt = (path: string, init: RequestInit = {}) =>
    fetch(`${fake.url}/v0/management${path}`, { ...init, headers: { Authorization: `Bearer ${fake.managementKey}`, ...(init.headers ?? {}) } });
  const configYaml = async () => parseYaml(await (await mgmt('/config.yaml')).text());

  beforeAll(async () => {
    built = await buildPanel();
    fake = await startFakeCpa({});
    host = await startPanelHost(built.html, fake.url);
    browser = await launchChromium();
  }, 120_000);

  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('console', (m) => {
      // Mode detection asks /usage-service/info and /config JSON, which CPA answers 404 / the fake may not serve.
      if (m.type() === 'error' && !/usage-service\/info|\/v1\/models/.test(m.location().url)) problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  });

  afterEach(async () => {
    await context.close();
    expect(problems.splice(0)).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await host?.close();
    await fake?.close();
    await built?.cleanup();
  });

  async function login() {
    await page.goto(`${host.url}/management.html`);
    await page.locator('input[name="cpa-url"]').fill(host.url);
    await page.locator('input[name="management-key"]').fill(fake.managementKey);
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
  }

  /** Changes one field in the page; returns the value config.yaml must then hold. */
  async function change(s: SettingField, i: number): Promise<unknown> {
    const el = page.locator(`[name="${s.key}"]`);
    switch (s.kind) {
      case 'bool': {
        const was = await el.isChecked();
        await el.setChecked(!was);
        return !was;
      }
      case 'int': {
        const n = Number.parseInt(await el.inputValue(), 10) + 1 + i;
        await el.fill(String(n));
        return n;
      }
      case 'enum': {
        const cur = await el.inputValue();
        const next = s.options!.find((o) => o !== cur && o !== 'true')!;
        await el.selectOption(next);
        return next === 'false' ? false : next;
      }
      case 'lines': {
        const cur = (await el.inputValue()).split('\n').filter(Boolean);
        await el.fill([...cur, `added-${i}`].join('\n'));
        return [...cur, `added-${i}`];
      }
      case 'block':
        await el.fill(BLOCKS[s.key]!);
        return parseYaml(BLOCKS[s.key]!);
      default: {
        const v = s.key === 'proxy-url' ? 'socks5://127.0.0.1:1080' : `value-${i}`;
        await el.fill(v);
        return v;
      }
    }
  }

  it('the Dashboard\'s client API keys link lands on the form that lists them', async () => {
    await login();
    await page.getByText('client API keys', { exact: false }).first().click();
    await page.getByRole('heading', { level: 2, name: 'Client access' }).waitFor();
    const keys = page.locator('textarea[name="api-keys"]');
    await expect.poll(() => keys.inputValue()).toBe('sk-local-dev-1\nsk-team-a-123');
  });

  it('every field of every group round-trips through CPA', async () => {
    await login();
    await page.goto(`${host.url}/management.html#/config`);
    let i = 0;
    for (const g of GROUPS) {
      await page.locator(`a[data-group="${g}"]`).click();
      await page.locator(`form[data-group="${g}"]`).waitFor();
      // The secret key is left alone: a new one would sign this page out (checked below on its own).
      const fields = SETTINGS.filter((s) => s.group === g && s.kind !== 'secret');
      const expected: Record<string, unknown> = {};
      for (const s of fields) expected[s.key] = await change(s, i++);
      await page.getByTestId('settings-changes').getByText(`${fields.length} unsaved change`).waitFor();
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByTestId('settings-changes').getByText('No changes').waitFor();
      const doc = await configYaml();
      for (const s of fields) {
        const got = s.key.split('.').reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), doc);
        expect(got, `${g}: ${s.key}`).toEqual(expected[s.key]);
      }
      // The form shows what CPA now holds (reloaded after the save), not the draft.
      if (fields[0]?.kind === 'bool') expect(await page.locator(`[name="${fields[0].key}"]`).isChecked()).toBe(expected[fields[0].key]);
    }
    // Per-key routes were used where CPA has them.
    expect((await (await mgmt('/request-retry')).json())['request-retry']).toBeGreaterThan(3);
  });

  it('keeps comments of config.yaml and refuses invalid values before saving', async () => {
    const text = `# my CPA\nport: 8317 # the port\nrequest-retry: 3\n`;
    expect((await mgmt('/config.yaml', { method: 'PUT', body: text })).status).toBe(200);
    await login();
    await page.goto(`${host.url}/management.html#/config?group=network`);
    await page.locator('input[name="nonstream-keepalive-interval"]').fill('abc');
    await page.getByText('A whole number is needed.').waitFor();
    await page.locator('input[name="nonstream-keepalive-interval"]').fill('15');
    await page.locator('a[data-group="advanced"]').click();
    await page.locator('textarea[name="payload"]').fill('default: [');
    await page.getByText('This is not valid YAML.').waitFor();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Fix the marked fields first.').waitFor();
    await page.locator('textarea[name="payload"]').fill('');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByTestId('settings-changes').getByText('No changes').waitFor();
    const saved = await (await mgmt('/config.yaml')).text();
    expect(saved).toContain('# my CPA');
    expect(saved).toContain('# the port');
    expect(saved).toMatch(/nonstream-keepalive-interval: 15/);
  });

  it('the YAML editor highlights, validates and shows the diff before saving', async () => {
    await login();
    await page.goto(`${host.url}/management.html#/config?tab=source`);
    const ta = page.locator('textarea[name="config-yaml"]');
    await ta.waitFor();
    await page.locator('.token.key').first().waitFor(); // Prism's YAML grammar marked the keys
    const yaml = await (await mgmt('/config.yaml')).text();
    await expect.poll(() => ta.inputValue()).toBe(yaml);
    await ta.fill(`${yaml}\nbroken: [\n`);
    await page.getByTestId('yaml-problem').waitFor();
    expect(await page.getByRole('button', { name: 'Review changes' }).isDisabled()).toBe(true);
    await ta.fill(yaml.replace(/request-retry:\s*\d+/, 'request-retry: 7'));
    await page.getByRole('button', { name: 'Review changes' }).click();
    expect(await page.getByTestId('yaml-diff').textContent()).toContain('request-retry: 7');
    await page.getByRole('button', { name: 'Save config.yaml' }).click();
    await expect.poll(async () => (await (await mgmt('/config')).json())['request-retry']).toBe(7);
  });
});
