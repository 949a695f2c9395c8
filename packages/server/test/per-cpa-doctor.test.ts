// `cpamp doctor` with several CPAs (issue #21 item 2): one block of findings per CPA, each through its own
// connection; a problem on one CPA is named by it and fails the run.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeCpa, type FakeCpa } from '@cpamp/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/testing';
import { bearer, memoryCliIo, startTestApp, tempDir } from './helpers';

const fakes: FakeCpa[] = [];
const dirs: { cleanup(): void }[] = [];
afterAll(async () => {
  for (const f of fakes) await f.close();
  for (const d of dirs) d.cleanup();
});
const dir = () => {
  const d = tempDir('cpamp-doctor-');
  dirs.push(d);
  return d.path;
};

describe('cpamp doctor with several CPAs', () => {
  it('checks every CPA and names the one with a problem', async () => {
    const main = await startFakeCpa({});
    const east = await startFakeCpa({ managementKey: 'east-key', usageStatisticsEnabled: false });
    fakes.push(main, east);
    const work = dir();
    const list = join(work, 'upstreams.json');
    writeFileSync(list, JSON.stringify([{ name: 'east', url: east.url, managementKey: 'east-key' }]));
    const env = {
      USAGE_DATA_DIR: dir(),
      CPA_UPSTREAM_URL: main.url,
      CPA_MANAGEMENT_KEY: main.managementKey,
      CPA_UPSTREAMS_FILE: list,
    };
    const io = memoryCliIo(env, work);
    const code = (await runCli(['doctor', '--probe-window-ms', '200'], io)).code;
    const text = io.text();
    expect(text).toContain(`cpamp doctor — CPA default: CPA at ${main.url}`);
    expect(text).toContain(`cpamp doctor — CPA east: CPA at ${east.url}`);
    expect(text).toMatch(/\[ERROR\] east: usage-publishing-disabled/);
    expect(text).toMatch(/\[ok {3}\] default: usage-publishing-disabled/);
    expect(code).toBe(1);
    east.setUsageStatisticsEnabled(true);
    const healthy = memoryCliIo(env, work);
    expect((await runCli(['doctor', '--probe-window-ms', '200'], healthy)).code).toBe(0);
    expect(healthy.text()).toMatch(/Healthy\.\n$/);
  });

  it('checks a CPA added in the panel (stored, with its sealed key) too', async () => {
    const main = await startFakeCpa({});
    const north = await startFakeCpa({ managementKey: 'north-key', usageStatisticsEnabled: false });
    fakes.push(main, north);
    const t = await startTestApp({ logLevel: 'silent', cpaUpstreamUrl: main.url, cpaManagementKey: main.managementKey }, { collector: false });
    dirs.push({ cleanup: () => void t.close() });
    const added = await t.app.inject({ method: 'POST', url: '/v0/management/upstreams', headers: bearer(t.adminKey), payload: { name: 'north', url: north.url, managementKey: 'north-key' } });
    expect(added.statusCode, added.body).toBe(201);
    await t.app.close();
    const env = { USAGE_DATA_DIR: t.dataDir, CPA_UPSTREAM_URL: main.url, CPA_MANAGEMENT_KEY: main.managementKey };
    const io = memoryCliIo(env, t.dataDir);
    expect((await runCli(['doctor', '--probe-window-ms', '200'], io)).code).toBe(1);
    expect(io.text()).toContain(`cpamp doctor — CPA north: CPA at ${north.url}`);
    expect(io.text()).toMatch(/\[ERROR\] north: usage-publishing-disabled/);
    expect(north.stats().authFailures).toBe(0);
  });
});
