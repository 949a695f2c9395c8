// Behaviours where the SDK and the fake CPA once disagreed, pinned to CPA v7.2.140's handlers:
// provider PATCH selectors (config_lists.go), plugin config shapes (plugins.go), oauth-session cancel and the
// oauth-callback relay (auth_files_provider_oauth.go, oauth_callback.go), Vertex import (vertex_import.go).
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCpaClient, isCpaError, type CpaHttpError } from '@cpamp/sdk-cpa';
import { rejection, useFakeCpa } from './fake-harness';

const h = useFakeCpa({ oauthPollsBeforeOk: 1000 });

function httpError(e: unknown): CpaHttpError {
  expect(isCpaError(e)).toBe(true);
  return e as CpaHttpError;
}

describe('provider PATCH selectors', () => {
  it('openai-compatibility selects by top-level name; renames; base-url "" removes the entry', async () => {
    const api = h.cpa.providers.openaiCompatibility;
    await api.replace([
      { name: 'one', 'base-url': 'https://one.example/v1' },
      { name: 'two', 'base-url': 'https://two.example/v1' },
    ]);
    await api.patch({ name: ' two ', value: { prefix: 'p2', name: 'deux' } });
    expect((await api.list()).map((e) => [e.name, e.prefix])).toEqual([
      ['one', undefined],
      ['deux', 'p2'],
    ]);
    // An out-of-range index falls back to the name.
    await api.patch({ index: 99, name: 'one', value: { disabled: true } });
    expect((await api.list())[0]?.disabled).toBe(true);
    const e = httpError(await rejection(api.patch({ name: 'two', value: { prefix: 'x' } })));
    expect([e.code, e.cpaError]).toEqual(['not_found', 'item not found']);
    await api.patch({ name: 'one', value: { 'base-url': '' } });
    expect((await api.list()).map((x) => x.name)).toEqual(['deux']);
  });

  it('gemini: duplicate keys need baseUrl (or index); auth-index in value is ignored', async () => {
    const api = h.cpa.providers.gemini;
    await api.replace([
      { 'api-key': 'dup', 'base-url': 'https://a.example' },
      { 'api-key': 'dup', 'base-url': 'https://b.example' },
    ]);
    const amb = httpError(await rejection(api.patch({ match: 'dup', value: { prefix: 'x' } })));
    expect([amb.code, amb.cpaError]).toEqual(['bad_request', 'multiple items match; index is required']);
    await api.patch({
      match: 'dup',
      baseUrl: 'https://b.example',
      value: { prefix: 'b', 'auth-index': 'zz' },
    });
    const list = await api.list();
    expect(list.map((x) => x.prefix)).toEqual([undefined, 'b']);
    expect(list[1]?.['auth-index']).toMatch(/^[0-9a-f]{16}$/);
    // Clearing both api-key and base-url drops the entry.
    await api.patch({ index: 0, value: { 'api-key': '', 'base-url': '' } });
    expect((await api.list()).map((x) => x['base-url'])).toEqual(['https://b.example']);
  });

  it('codex/claude: first entry with the key wins; codex base-url "" removes it', async () => {
    await h.cpa.providers.claude.replace([{ 'api-key': 'k' }, { 'api-key': 'k' }]);
    await h.cpa.providers.claude.patch({ match: 'k', value: { prefix: 'first' } });
    expect((await h.cpa.providers.claude.list()).map((x) => x.prefix)).toEqual(['first', undefined]);
    await h.cpa.providers.codex.replace([{ 'api-key': 'c1', 'base-url': 'https://api.example/v1' }]);
    await h.cpa.providers.codex.patch({ match: 'c1', value: { 'base-url': ' ' } });
    expect(await h.cpa.providers.codex.list()).toEqual([]);
  });
});

describe('plugin config', () => {
  it('GET is the config object; PUT replaces, PATCH merges with null deleting; bad ids and types are 400', async () => {
    expect(await h.cpa.plugins.getConfig('usage-exporter')).toEqual({
      enabled: true,
      endpoint: 'http://127.0.0.1:9000',
    });
    await h.cpa.plugins.putConfig('usage-exporter', { enabled: false, batch: 5 });
    await h.cpa.plugins.patchConfig('usage-exporter', { batch: null, flush: '1s' });
    expect(await h.cpa.plugins.getConfig('usage-exporter')).toEqual({ enabled: false, flush: '1s' });
    expect((await h.cpa.plugins.list()).plugins?.find((p) => p.id === 'usage-exporter')?.enabled).toBe(false);

    const missing = httpError(await rejection(h.cpa.plugins.getConfig('nope')));
    expect([missing.code, missing.cpaError]).toEqual(['not_found', 'plugin_not_found']);
    const badId = httpError(await rejection(h.cpa.plugins.getConfig('-bad')));
    expect([badId.code, badId.cpaError]).toEqual(['bad_request', 'invalid_plugin_id']);
    const badType = httpError(await rejection(h.cpa.plugins.putConfig('usage-exporter', { enabled: 'yes' })));
    expect([badType.code, badType.cpaError]).toEqual(['bad_request', 'invalid_config']);
  });
});

describe('oauth cancel and callback relay', () => {
  it('cancel answers cancelled true once, then false', async () => {
    const { state } = await h.cpa.oauth.getAuthUrl('codex');
    expect(await h.cpa.oauth.cancel(state)).toEqual({ cancelled: true });
    expect(await h.cpa.oauth.cancel(state)).toEqual({ cancelled: false });
  });

  it('submitCallback with the redirect URL finishes the login, without needing the management key', async () => {
    const { state } = await h.cpa.oauth.getAuthUrl('anthropic');
    const keyless = createCpaClient({ baseUrl: h.fake.url, managementKey: 'wrong-key', retries: { max: 0 } });
    h.cleanup.push(() => keyless.close());
    await keyless.oauth.submitCallback({
      provider: 'claude', // normalised to the session's "anthropic"
      state,
      redirectUrl: `http://localhost:54545/callback?code=abc&state=${state}`,
    });
    await h.cpa.oauth.waitForAuth(state, { intervalMs: 10 });
    expect((await h.cpa.authFiles.list()).some((f) => f.provider === 'claude')).toBe(true);
    expect(h.fake.stats().authFailures).toBe(0);
    const again = httpError(
      await rejection(h.cpa.oauth.submitCallback({ provider: 'anthropic', state, code: 'x' })),
    );
    expect([again.status, again.cpaError]).toEqual([409, 'oauth flow is already completed']);
  });

  it('a provider error fails the login; mismatches and unknown states are rejected', async () => {
    const { state } = await h.cpa.oauth.getAuthUrl('codex');
    const wrong = httpError(
      await rejection(h.cpa.oauth.submitCallback({ provider: 'xai', state, code: 'c' })),
    );
    expect([wrong.code, wrong.cpaError]).toEqual(['bad_request', 'provider does not match state']);
    const noCode = httpError(await rejection(h.cpa.oauth.submitCallback({ provider: 'codex', state })));
    expect(noCode.cpaError).toBe('code or error is required');
    const unknown = httpError(
      await rejection(h.cpa.oauth.submitCallback({ provider: 'codex', state: 'deadbeef', code: 'c' })),
    );
    expect([unknown.code, unknown.cpaError]).toEqual(['not_found', 'unknown or expired state']);

    await h.cpa.oauth.submitCallback({ provider: 'codex', state, error: 'access_denied' });
    const failed = await rejection(h.cpa.oauth.waitForAuth(state, { intervalMs: 10 }));
    expect(isCpaError(failed) && failed.code).toBe('oauth_failed');
    expect((failed as Error).message).toMatch(/Bad Request/);
  });
});

describe('authFiles.importVertex', () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const sa = {
    type: 'service_account',
    project_id: 'acme-prod',
    client_email: 'svc@acme-prod.iam.gserviceaccount.com',
    private_key: pkcs8,
  };

  it('stores vertex-<project>.json with the key re-encoded as PKCS#1, default location us-central1', async () => {
    const res = await h.cpa.authFiles.importVertex(sa);
    expect(res).toEqual({
      status: 'ok',
      'auth-file': '/root/.cli-proxy-api/vertex-acme-prod.json',
      project_id: 'acme-prod',
      email: sa.client_email,
      location: 'us-central1',
    });
    const [file] = await h.cpa.authFiles.list({ name: 'vertex-acme-prod.json' });
    expect(file).toMatchObject({ provider: 'vertex', email: sa.client_email });
    const stored = h.fake.authFiles().find((f) => f.name === 'vertex-acme-prod.json')!;
    expect(stored.content).toMatchObject({
      type: 'vertex',
      location: 'us-central1',
      label: `acme-prod (${sa.client_email})`,
    });
    const storedSa = stored.content.service_account as Record<string, string>;
    expect(storedSa.private_key).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);

    expect(
      (await h.cpa.authFiles.importVertex(JSON.stringify(sa), { location: 'europe-west4' })).location,
    ).toBe('europe-west4');
  });

  it('rejects a service account without a usable private key or project_id', async () => {
    const noKey = httpError(await rejection(h.cpa.authFiles.importVertex({ ...sa, private_key: '' })));
    expect([noKey.code, noKey.cpaError]).toEqual(['bad_request', 'invalid service account']);
    const garbage = httpError(
      await rejection(h.cpa.authFiles.importVertex({ ...sa, private_key: 'not a key' })),
    );
    expect(garbage.cpaError).toBe('invalid service account');
    const noProject = httpError(await rejection(h.cpa.authFiles.importVertex({ ...sa, project_id: '' })));
    expect(noProject.cpaError).toBe('project_id missing');
    const notJson = httpError(await rejection(h.cpa.authFiles.importVertex('{nope')));
    expect(notJson.cpaError).toBe('invalid json');
  });
});
