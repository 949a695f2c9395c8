// Auth files and model lists against the fake CPA.
import { describe, expect, it } from 'vitest';
import type { CpaHttpError } from '@cpamp/sdk-cpa';
import { rejection, useFakeCpa } from './fake-harness';

const alice = {
  name: 'codex-alice@example.com.json',
  content: { type: 'codex', email: 'alice@example.com', access_token: 'a' },
};
const bob = {
  name: 'claude-bob@example.com.json',
  content: { type: 'claude', email: 'bob@example.com', access_token: 'b' },
};
const h = useFakeCpa({ authFiles: [alice, bob] });

describe('auth files', () => {
  it('list() sorted by name, filter by name and by auth_index', async () => {
    const files = await h.cpa.authFiles.list();
    expect(files.map((f) => f.name)).toEqual([bob.name, alice.name]);
    const codex = files.find((f) => f.name === alice.name)!;
    expect(codex).toMatchObject({ email: 'alice@example.com', provider: 'codex', disabled: false });
    expect(codex.auth_index).toMatch(/^[0-9a-f]{16}$/);
    expect(codex.id_token).toBeTypeOf('object');
    expect(codex.recent_requests).toHaveLength(20);

    expect((await h.cpa.authFiles.list({ name: bob.name })).map((f) => f.name)).toEqual([bob.name]);
    expect((await h.cpa.authFiles.list({ authIndex: codex.auth_index! })).map((f) => f.name)).toEqual([
      alice.name,
    ]);
  });

  it('setDisabled toggles a file off and on', async () => {
    await h.cpa.authFiles.setDisabled(alice.name, true);
    expect((await h.cpa.authFiles.list({ name: alice.name }))[0]).toMatchObject({
      disabled: true,
      status: 'disabled',
    });
    await h.cpa.authFiles.setDisabled(alice.name, false);
    expect((await h.cpa.authFiles.list({ name: alice.name }))[0]).toMatchObject({
      disabled: false,
      status: 'active',
    });
    const e = await rejection(h.cpa.authFiles.setDisabled('missing.json', true));
    expect((e as CpaHttpError).code).toBe('not_found');
    expect((e as CpaHttpError).message).toMatch(/auth file not found/);
  });

  it('patchFields edits operator fields', async () => {
    await h.cpa.authFiles.patchFields(alice.name, { priority: 5, note: 'primary', websockets: true });
    expect((await h.cpa.authFiles.list({ name: alice.name }))[0]).toMatchObject({
      priority: 5,
      note: 'primary',
      websockets: true,
    });
  });

  it('upload one (string, bytes, object) and download it back', async () => {
    await h.cpa.authFiles.upload({ name: 'xai-a.json', content: '{"type":"xai","email":"a@x.ai"}' });
    await h.cpa.authFiles.upload({ name: 'xai-b.json', content: new TextEncoder().encode('{"type":"xai"}') });
    await h.cpa.authFiles.upload({ name: 'kimi-c.json', content: { type: 'kimi', access_token: 't' } });
    const names = (await h.cpa.authFiles.list()).map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(['xai-a.json', 'xai-b.json', 'kimi-c.json']));
    expect(JSON.parse(await h.cpa.authFiles.download('kimi-c.json'))).toEqual({
      type: 'kimi',
      access_token: 't',
    });
    const bad = await rejection(h.cpa.authFiles.upload({ name: 'notes.txt', content: '{}' }));
    expect((bad as CpaHttpError).code).toBe('bad_request');
  });

  it('uploadMany: 200 all ok, 207 partial resolves with failed items', async () => {
    const ok = await h.cpa.authFiles.uploadMany([
      { name: 'm1.json', content: { type: 'codex' } },
      { name: 'm2.json', content: { type: 'codex' } },
    ]);
    expect(ok).toEqual({ status: 'ok', succeeded: ['m1.json', 'm2.json'], failed: [] });
    const partial = await h.cpa.authFiles.uploadMany([
      { name: 'm3.json', content: { type: 'codex' } },
      { name: 'm4.txt', content: { type: 'codex' } },
    ]);
    expect(partial.status).toBe('partial');
    expect(partial.succeeded).toEqual(['m3.json']);
    expect(partial.failed).toEqual([{ name: 'm4.txt', error: 'file must be .json' }]);
  });

  it('download of a missing file is not_found; delete one / many (207) / all', async () => {
    expect(((await rejection(h.cpa.authFiles.download('nope.json'))) as CpaHttpError).code).toBe('not_found');
    await h.cpa.authFiles.delete(alice.name);
    expect((await h.cpa.authFiles.list()).map((f) => f.name)).toEqual([bob.name]);
    await h.cpa.authFiles.uploadMany([
      { name: 'd1.json', content: { type: 'codex' } },
      { name: 'd2.json', content: { type: 'codex' } },
    ]);
    const res = await h.cpa.authFiles.deleteMany(['d1.json', 'gone.json']);
    expect(res).toEqual({
      status: 'partial',
      succeeded: ['d1.json'],
      failed: [{ name: 'gone.json', error: 'file not found' }],
    });
    expect(await h.cpa.authFiles.deleteAll()).toEqual({ deleted: 2 });
    expect(await h.cpa.authFiles.list()).toEqual([]);
  });

  it('models() per file and modelDefinitions.get(channel)', async () => {
    const models = await h.cpa.authFiles.models(alice.name);
    expect(models.map((m) => m.id)).toContain('gpt-5-codex');
    const defs = await h.cpa.modelDefinitions.get('claude');
    expect(defs.length).toBeGreaterThan(0);
    const e = await rejection(h.cpa.modelDefinitions.get('no-such-channel'));
    expect((e as CpaHttpError).code).toBe('bad_request');
  });
});
