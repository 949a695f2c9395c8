// config, config.yaml, scalar settings, api-keys, api-key-usage against the fake CPA.
import { describe, expect, it } from 'vitest';
import { CpaHttpError, CPA_SETTING_KEYS, type CpaSettingKey, type CpaSettingTypes } from '@cpamp/sdk-cpa';
import { rejection, useFakeCpa } from './fake-harness';

const h = useFakeCpa();

describe('config', () => {
  it('get() returns the typed config and passes unknown keys through', async () => {
    const cfg = await h.cpa.config.get();
    expect(cfg['usage-statistics-enabled']).toBe(true);
    expect(cfg['redis-usage-queue-retention-seconds']).toBe(60);
    expect(Array.isArray(cfg['gemini-api-key'])).toBe(true); // passthrough key
  });

  it('getYaml / putYaml round-trip, and the change is visible in get()', async () => {
    const yaml = await h.cpa.config.getYaml();
    expect(yaml).toMatch(/usage-statistics-enabled: true/);
    const res = await h.cpa.config.putYaml(yaml.replace('debug: false', 'debug: true'));
    expect(res.ok).toBe(true);
    expect(res.changed).toEqual(['config']);
    expect((await h.cpa.config.get()).debug).toBe(true);
  });

  it("putYaml maps CPA 400 invalid_yaml to config_rejected with CPA's message", async () => {
    const e = await rejection(h.cpa.config.putYaml('debug: [unclosed'));
    expect(e).toBeInstanceOf(CpaHttpError);
    expect((e as CpaHttpError).code).toBe('config_rejected');
    expect((e as CpaHttpError).status).toBe(400);
    expect((e as CpaHttpError).message).toMatch(/not valid YAML/);
    const typed = await rejection(h.cpa.config.putYaml('debug: "not a bool"\n'));
    expect((typed as CpaHttpError).code).toBe('config_rejected');
  });

  it('usage-statistics-enabled get/set', async () => {
    expect(await h.cpa.config.getUsageStatisticsEnabled()).toBe(true);
    await h.cpa.config.setUsageStatisticsEnabled(false);
    expect(await h.cpa.config.getUsageStatisticsEnabled()).toBe(false);
    expect((await h.cpa.config.get())['usage-statistics-enabled']).toBe(false);
  });
});

describe('settings', () => {
  const next: { [K in CpaSettingKey]: CpaSettingTypes[K] } = {
    debug: true,
    'logging-to-file': false,
    'logs-max-total-size-mb': 512,
    'error-logs-max-files': 3,
    'usage-statistics-enabled': false,
    'proxy-url': 'socks5://127.0.0.1:1080',
    'request-log': true,
    'ws-auth': true,
    'request-retry': 5,
    'max-retry-credentials': 2,
    'max-retry-interval': 45,
    'force-model-prefix': true,
    'routing/strategy': 'fill-first',
    'quota-exceeded/switch-project': false,
    'quota-exceeded/switch-preview-model': false,
  };

  it('every scalar setting reads, writes and reads back', async () => {
    expect(CPA_SETTING_KEYS.sort()).toEqual(Object.keys(next).sort());
    for (const key of CPA_SETTING_KEYS) {
      const before = await h.cpa.settings.get(key);
      expect(typeof before).toBe(typeof next[key]);
      await h.cpa.settings.set(key, next[key] as never);
      expect(await h.cpa.settings.get(key)).toEqual(next[key]);
    }
  });

  it('clearProxyUrl deletes the proxy', async () => {
    await h.cpa.settings.set('proxy-url', 'http://proxy:3128');
    await h.cpa.settings.clearProxyUrl();
    expect(await h.cpa.settings.get('proxy-url')).toBe('');
  });

  it("a bad value is CPA's 400 bad_request; an unknown key is refused locally", async () => {
    const e = await rejection(h.cpa.settings.set('routing/strategy', 'random'));
    expect((e as CpaHttpError).code).toBe('bad_request');
    expect((e as CpaHttpError).cpaError).toBe('invalid strategy');
    const before = h.fake.stats().requests;
    const local = await rejection(h.cpa.settings.get('nope' as CpaSettingKey));
    expect((local as { code: string }).code).toBe('invalid_argument');
    expect(h.fake.stats().requests).toBe(before);
  });
});

describe('api-keys', () => {
  it('list / replace / patch / delete', async () => {
    await h.cpa.apiKeys.replace(['k1', 'k2', 'k3']);
    expect(await h.cpa.apiKeys.list()).toEqual(['k1', 'k2', 'k3']);
    await h.cpa.apiKeys.patch({ index: 0, value: 'k0' });
    await h.cpa.apiKeys.patch({ old: 'k2', new: 'k2b' });
    await h.cpa.apiKeys.patch({ old: 'absent', new: 'k4' });
    expect(await h.cpa.apiKeys.list()).toEqual(['k0', 'k2b', 'k3', 'k4']);
    await h.cpa.apiKeys.delete({ index: 1 });
    await h.cpa.apiKeys.delete({ value: 'k4' });
    expect(await h.cpa.apiKeys.list()).toEqual(['k0', 'k3']);
  });

  it('usage() returns per-credential counters', async () => {
    const usage = await h.cpa.apiKeys.usage();
    expect(typeof usage).toBe('object');
    for (const byKey of Object.values(usage)) {
      for (const entry of Object.values(byKey ?? {})) expect(typeof entry.success).toBe('number');
    }
  });
});
