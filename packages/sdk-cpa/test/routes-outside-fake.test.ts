// Wire format of vertex import and the oauth-callback relay on a tiny server (behaviour: fake-cpa-parity), logging.
import { afterEach, describe, expect, it } from 'vitest';
import { createCpaClient, type CpaClient } from '@cpamp/sdk-cpa';
import { sendJson, startTinyServer, type TinyServer } from './tiny-server';

let server: TinyServer | undefined;
let client: CpaClient | undefined;
afterEach(async () => {
  await client?.close();
  await server?.close();
});

describe('vertex import and oauth callback', () => {
  it('importVertex posts the service account as multipart "file" with location', async () => {
    server = await startTinyServer((_req, res) =>
      sendJson(res, 200, {
        status: 'ok',
        'auth-file': '/auth/vertex-p1.json',
        project_id: 'p1',
        email: 'sa@p1',
        location: 'eu',
      }),
    );
    client = createCpaClient({ baseUrl: server.url, managementKey: 'k' });
    const res = await client.authFiles.importVertex(
      { type: 'service_account', project_id: 'p1' },
      { location: 'eu' },
    );
    expect(res).toMatchObject({ project_id: 'p1', location: 'eu' });
    const req = server.requests[0]!;
    expect(req.url).toBe('/v0/management/vertex/import');
    expect(req.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(req.body).toContain('name="file"; filename="service-account.json"');
    expect(req.body).toContain('"project_id":"p1"');
    expect(req.body).toMatch(/name="location"\r\n\r\neu/);
  });

  it('oauth.submitCallback relays redirect_url/state', async () => {
    server = await startTinyServer((_req, res) => sendJson(res, 200, { status: 'ok' }));
    client = createCpaClient({ baseUrl: server.url, managementKey: 'k' });
    await client.oauth.submitCallback({
      provider: 'codex',
      state: 's1',
      redirectUrl: 'http://localhost:1455/auth/callback?code=c&state=s1',
    });
    expect(server.requests[0]?.url).toBe('/v0/management/oauth-callback');
    expect(JSON.parse(server.requests[0]!.body)).toEqual({
      provider: 'codex',
      state: 's1',
      redirect_url: 'http://localhost:1455/auth/callback?code=c&state=s1',
    });
  });
});

describe('logger', () => {
  it('gets a debug line per request and a warn line per retry, never the key', async () => {
    let n = 0;
    server = await startTinyServer((_req, res) =>
      n++ === 0 ? sendJson(res, 503, {}) : sendJson(res, 200, { debug: false }),
    );
    const lines: { level: string; msg: string; meta?: Record<string, unknown> }[] = [];
    const log = (level: string) => (msg: string, meta?: Record<string, unknown>) =>
      lines.push({ level, msg, meta });
    client = createCpaClient({
      baseUrl: server.url,
      managementKey: 'secret-key-value',
      retries: { max: 1, baseDelayMs: 1 },
      logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    });
    await client.settings.get('debug');
    expect(lines.filter((l) => l.level === 'debug')).toHaveLength(2);
    expect(lines.filter((l) => l.level === 'warn')).toHaveLength(1);
    expect(JSON.stringify(lines)).not.toContain('secret-key-value');
  });
});
