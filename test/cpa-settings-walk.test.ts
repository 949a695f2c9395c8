import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../packages/panel/src/lib/config/settings-schema';
import { exampleKeyPaths } from './lib/example-keys';

// Walks CPA's config.example.yaml against docs/reference/cpa-settings.md and the panel's Settings form, so
// a key a new CPA release adds shows up as missing (issue #20).
const read = (rel: string) => readFileSync(fileURLToPath(new URL(rel, import.meta.url)), 'utf8');
const example = exampleKeyPaths(read('./fixtures/cpa-v7.2.140/config.example.yaml'));
const doc = read('../docs/reference/cpa-settings.md');
/** key → where-in-the-panel, from the doc's table rows. */
const rows = new Map([...doc.matchAll(/^\| `([a-z0-9.-]+)` \| ([^|]+) \|/gm)].map((m) => [m[1]!, m[2]!.trim()]));
const covered = (path: string) => [...rows.keys()].some((k) => path === k || path.startsWith(`${k}.`));

describe('CPA settings walk (config.example.yaml v7.2.140)', () => {
  it('reads the example, commented-out keys included', () => {
    expect(example).toContain('quota-exceeded.switch-preview-model');
    expect(example).toContain('streaming.keepalive-seconds'); // commented out in the example
    expect(example).toContain('remote-management.disable-auto-update-panel'); // commented inside a live block
    expect(example.length).toBeGreaterThan(200);
  });

  it('every key of the example has a place in the panel', () => {
    // Parents of documented keys ("tls" for "tls.enable") are containers, not settings of their own.
    const missing = example.filter((p) => !covered(p) && ![...rows.keys()].some((k) => k.startsWith(`${p}.`)));
    expect(missing).toEqual([]);
  });

  it('a key a new CPA adds shows up as missing', () => {
    const next = exampleKeyPaths(`${read('./fixtures/cpa-v7.2.140/config.example.yaml')}\n# new-block:\n#   new-key: 1\n`);
    expect(next.filter((p) => !covered(p) && ![...rows.keys()].some((k) => k.startsWith(`${p}.`)))).toEqual(['new-block', 'new-block.new-key']);
  });

  it('the Settings rows of the doc are exactly the fields of the form', () => {
    const documented = [...rows].filter(([, where]) => where.startsWith('Configuration → Settings')).map(([k]) => k);
    expect(documented.sort()).toEqual(SETTINGS.map((s) => s.key).sort());
  });

  it('every documented key exists in CPA v7.2.140', () => {
    // request-log is a CPA config key (config.Config, PUT /request-log) the example file does not show.
    const NOT_IN_EXAMPLE = ['request-log'];
    const unknown = [...rows.keys()].filter((k) => !example.includes(k) && !NOT_IN_EXAMPLE.includes(k));
    expect(unknown).toEqual([]);
  });
});
