import { describe, expect, it } from 'vitest';
import { actionsFor, planBulk, runBulk } from './account-actions';
import { parseAliases, formatAliases, oauthPathOf, parseList } from './account-api';
import { parseAuthJson } from './auth-json';
import { stateSegments } from './account-states';
import { DEFAULT_COLUMNS, loadColumns } from './columns';

const acc = (status: string, disabled = false, fileName: string | null = 'f.json') => ({ authIndex: status, fileName, status, disabled });

describe('actions that fit the state', () => {
  it('offers re-enable for a cooldown, enable for a disable, disable otherwise, re-login for bad tokens', () => {
    expect(actionsFor(acc('cooldown', true))[0]).toBe('reenable');
    expect(actionsFor(acc('disabled_by_user', true))[0]).toBe('enable');
    expect(actionsFor(acc('active'))[0]).toBe('disable');
    expect(actionsFor(acc('expired'))).toContain('relogin');
    expect(actionsFor(acc('banned'))).not.toContain('relogin');
    expect(actionsFor(acc('active', false, null))).toEqual(['inspect']);
  });
  it('plans a bulk action: targets and what is skipped', () => {
    const items = [acc('banned'), acc('active'), acc('cooldown', true), acc('disabled_by_user', true)];
    expect(planBulk('disable', items).targets.map((a) => a.status)).toEqual(['banned', 'active']);
    expect(planBulk('enable', items).targets.map((a) => a.status)).toEqual(['cooldown', 'disabled_by_user']);
    expect(planBulk('enable', items).skipped).toHaveLength(2);
  });
  it('runs a bulk action with progress and counts failures', async () => {
    const seen: number[] = [];
    const p = await runBulk([1, 2, 3, 4], async (n) => { if (n === 3) throw new Error('nope'); }, (x) => seen.push(x.done));
    expect(p).toMatchObject({ done: 4, failed: 1, total: 4, errors: ['nope'] });
    expect(seen.at(-1)).toBe(4);
  });
});

describe('auth JSON', () => {
  it('accepts CPA auth files (one or many) and rejects what is not one', () => {
    const one = parseAuthJson(JSON.stringify({ type: 'codex', email: 'a@x.test', access_token: 't' }));
    expect(one).toEqual({ ok: true, format: 'cpa', files: [{ name: 'codex-a@x.test.json', content: { type: 'codex', email: 'a@x.test', access_token: 't' } }] });
    expect(parseAuthJson('{"type":"codex"}')).toMatchObject({ ok: false, error: expect.stringContaining('no token') });
    expect(parseAuthJson('{"type":"nope","access_token":"t"}')).toMatchObject({ ok: false });
    expect(parseAuthJson('not json')).toMatchObject({ ok: false });
    expect(parseAuthJson('[]')).toMatchObject({ ok: false });
    const two = parseAuthJson(JSON.stringify([{ type: 'claude', email: 'c@x.test', access_token: 't' }, { type: 'claude', email: 'c@x.test', access_token: 'u' }]));
    expect(two.ok && two.files.map((f) => f.name)).toEqual(['claude-c@x.test.json', 'claude-c@x.test-2.json']);
  });
  it('converts a Sub2API export into CPA Codex and Claude files', () => {
    const r = parseAuthJson(JSON.stringify({
      exported_at: '2026-12-01T00:00:00Z',
      accounts: [
        { name: 'A', platform: 'openai', type: 'oauth', credentials: { access_token: 'at', refresh_token: 'rt', email: 'o@x.test', chatgpt_account_id: 'acc', expires_at: '2026-12-31T00:00:00Z' }, priority: 5 },
        { name: 'B', platform: 'anthropic', type: 'oauth', credentials: { access_token: 'ct' }, extra: { email: 'b@x.test' } },
        { name: 'K', platform: 'openai', type: 'apikey', credentials: { api_key: 'sk' } },
      ],
    }));
    expect(r).toMatchObject({ ok: true, format: 'sub2api' });
    if (!r.ok) return;
    expect(r.files).toEqual([
      { name: 'codex-o@x.test.json', content: { type: 'codex', email: 'o@x.test', access_token: 'at', refresh_token: 'rt', account_id: 'acc', expired: '2026-12-31T00:00:00Z', priority: 5 } },
      { name: 'claude-b@x.test.json', content: { type: 'claude', email: 'b@x.test', access_token: 'ct' } },
    ]);
    expect(parseAuthJson('{"accounts":[]}')).toMatchObject({ ok: false });
  });
});

describe('small helpers', () => {
  it('parses lists and aliases, maps providers to their OAuth route', () => {
    expect(parseList('a, b\nc,,')).toEqual(['a', 'b', 'c']);
    expect(parseAliases('gpt-5=fast\nbad\n')).toEqual([{ name: 'gpt-5', alias: 'fast' }]);
    expect(formatAliases([{ name: 'gpt-5', alias: 'fast' }])).toBe('gpt-5=fast');
    expect([oauthPathOf('claude'), oauthPathOf('codex'), oauthPathOf('gemini')]).toEqual(['anthropic', 'codex', null]);
  });
  it('donut segments follow the model order and skip empty states; columns fall back to defaults', () => {
    expect(stateSegments({ banned: 1, active: 3, cooldown: 0, total: 4 }, (s) => s).map((s) => [s.key, s.value])).toEqual([['active', 3], ['banned', 1]]);
    expect(loadColumns({ getItem: () => '["cost7d","windows","nope"]' })).toEqual(['windows', 'cost7d']);
    expect(loadColumns({ getItem: () => '{' })).toEqual([...DEFAULT_COLUMNS]);
  });
});
