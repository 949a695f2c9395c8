// Transport behaviour against a tiny local HTTP server: auth header, URL, timeout, abort, retries, errors.
import { afterEach, describe, expect, it } from 'vitest';
import {
  CpaAuthError,
  CpaHttpError,
  CpaNetworkError,
  CpaResponseValidationError,
  CpaTimeoutError,
  createCpaClient,
  isCpaError,
  type CpaClient,
} from '@cpamp/sdk-cpa';
import { sendJson, startTinyServer, type TinyServer } from './tiny-server';

const KEY = 'tiny-key-123';
let server: TinyServer | undefined;
let client: CpaClient | undefined;

afterEach(async () => {
  await client?.close();
  await server?.close();
  client = undefined;
  server = undefined;
});

const fastRetry = { max: 2, baseDelayMs: 1, maxDelayMs: 5 };

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe('requests', () => {
  it('sends the key as Bearer to <base>/v0/management/<route>, also under a sub-path', async () => {
    server = await startTinyServer((_req, res) => sendJson(res, 200, { files: [] }));
    client = createCpaClient({ baseUrl: `${server.url}/cpa//`, managementKey: KEY });
    expect(client.managementUrl).toBe(`${server.url}/cpa/v0/management`);
    await client.authFiles.list();
    expect(server.requests[0]?.url).toBe('/cpa/v0/management/auth-files');
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('accepts a base URL that already ends with /v0/management', async () => {
    server = await startTinyServer((_req, res) => sendJson(res, 200, { 'api-keys': ['a'] }));
    client = createCpaClient({ baseUrl: `${server.url}/v0/management/`, managementKey: KEY });
    expect(await client.apiKeys.list()).toEqual(['a']);
    expect(server.requests[0]?.url).toBe('/v0/management/api-keys');
  });

  it('rejects an empty key locally without sending anything', () => {
    expect(() => createCpaClient({ baseUrl: 'http://127.0.0.1:1', managementKey: '' })).toThrow(
      /managementKey is empty/,
    );
    expect(() => createCpaClient({ baseUrl: 'http://127.0.0.1:1', managementKey: 'k\n' })).toThrow(
      /line break/,
    );
    expect(() =>
      createCpaClient({ baseUrl: 'http://127.0.0.1:1', managementKey: 'k', timeoutMs: -1 }),
    ).toThrow(/timeoutMs/);
  });
});

describe('timeout and abort', () => {
  it('CpaTimeoutError after timeoutMs when CPA does not answer', async () => {
    server = await startTinyServer((_req, res) => setTimeout(() => sendJson(res, 200, {}), 2000));
    client = createCpaClient({ baseUrl: server.url, managementKey: KEY, timeoutMs: 100, retries: 0 });
    const started = Date.now();
    const e = await caught(client.config.get());
    expect(e).toBeInstanceOf(CpaTimeoutError);
    expect((e as CpaTimeoutError).timeoutMs).toBe(100);
    expect((e as CpaTimeoutError).message).toMatch(/within 100 ms/);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('aborts an in-flight request with code "aborted"', async () => {
    const ac = new AbortController();
    // Aborted once CPA has the request and before it answers.
    server = await startTinyServer((_req, res) => {
      ac.abort();
      setTimeout(() => sendJson(res, 200, {}), 2000);
    });
    client = createCpaClient({ baseUrl: server.url, managementKey: KEY });
    const e = await caught(client.config.get({ signal: ac.signal }));
    expect(isCpaError(e) && e.code).toBe('aborted');
  });

  it('a pre-aborted signal sends nothing', async () => {
    server = await startTinyServer((_req, res) => sendJson(res, 200, []));
    client = createCpaClient({ baseUrl: server.url, managementKey: KEY });
    const e = await caught(client.usageQueue.pop(10, { signal: AbortSignal.abort() }));
    expect(isCpaError(e) && e.code).toBe('aborted');
    expect(server.requests).toHaveLength(0);
  });

  it('abort also stops a retry backoff wait', async () => {
    server = await startTinyServer((_req, res) => sendJson(res, 503, { error: 'busy' }));
    const ac = new AbortController();
    // Aborted when the client announces its retry wait (logged just before it sleeps).
    const logger = {
      debug() {},
      info() {},
      error() {},
      warn(msg: string) {
        if (msg === 'cpa request retry') ac.abort();
      },
    };
    client = createCpaClient({
      baseUrl: server.url,
      managementKey: KEY,
      retries: { max: 5, baseDelayMs: 5000 },
      logger,
    });
    const started = Date.now();
    const e = await caught(client.config.get({ signal: ac.signal }));
    expect(isCpaError(e) && e.code).toBe('aborted');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(server.requests).toHaveLength(1);
  });
});

describe('retries', () => {
  it('retries an idempotent GET on 503 and succeeds', async () => {
    let n = 0;
    server = await startTinyServer((_req, res) =>
      ++n < 3 ? sendJson(res, 503, { error: 'busy' }) : sendJson(res, 200, { debug: true }),
    );
    client = createCpaClient({ baseUrl: server.url, managementKey: KEY, retries: fastRetry });
    expect(await client.settings.get('debug')).toBe(true);
    expect(server.requests).toHaveLength(3);
  });

  it('gives up after max retries with the last CpaHttpError', async () => {
    server = await startTinyServer((_req, res) => sendJson(res, 502, { error: 'bad gateway' }));
    client = createCpaClient({ baseUrl: server.url, managementKey: KEY, retries: fastRetry });
    const e = await caught(client.config.get());
    expect(e).toBeInstanceOf(CpaHttpError);
    expect((e as CpaHttpError).status).toBe(502);
    expect(server.requests).toHaveLength(3);
  });

  it('retries: 0 disables retries', async () => {
    server = await startTinyServer((_req, res) => sendJson(res, 503, { error: 'busy' }));
    client = createCpaClient({ baseUrl: server.url, managementKey: KEY, retries: 0 });
    await caught(client.config.get());
    expect(server.requests).toHaveLength(1);
  });

  it('never retries the destructive usage-queue pop', async () => {
    server = await startTinyServer((_req, res) => sendJson(res, 503, { error: 'busy' }));
    client = createCpaClient({ baseUrl: server.url, managementKey: KEY, retries: fastRetry });
    const e = await caught(client.usageQueue.pop(5));
    expect((e as CpaHttpError).status).toBe(503);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.url).toBe('/v0/management/usage-queue?count=5');
  });

  it('never retries 401 (each failure counts toward the CPA ban)', async () => {
    server = await startTinyServer((_req, res) => sendJson(res, 401, { error: 'invalid management key' }));
    client = createCpaClient({ baseUrl: server.url, managementKey: KEY, retries: fastRetry });
    const e = await caught(client.config.get());
    expect(e).toBeInstanceOf(CpaAuthError);
    expect(server.requests).toHaveLength(1);
  });

  it('never retries writes', async () => {
    server = await startTinyServer((_req, res) => sendJson(res, 503, { error: 'busy' }));
    client = createCpaClient({ baseUrl: server.url, managementKey: KEY, retries: fastRetry });
    await caught(client.settings.set('debug', true));
    expect(server.requests).toHaveLength(1);
    expect(JSON.parse(server.requests[0]!.body)).toEqual({ value: true });
  });

  it('retries a GET after a connection reset', async () => {
    let n = 0;
    server = await startTinyServer((_req, res, raw) =>
      ++n < 2 ? raw.socket.destroy() : sendJson(res, 200, { 'api-keys': [] }),
    );
    client = createCpaClient({ baseUrl: server.url, managementKey: KEY, retries: fastRetry });
    expect(await client.apiKeys.list()).toEqual([]);
    expect(n).toBe(2);
  });
});

describe('error classes', () => {
  it('CpaNetworkError names the URL and the system code', async () => {
    server = await startTinyServer(() => {});
    const url = server.url;
    await server.close();
    server = undefined;
    client = createCpaClient({ baseUrl: url, managementKey: KEY, retries: fastRetry });
    const e = await caught(client.config.get());
    expect(e).toBeInstanceOf(CpaNetworkError);
    expect((e as CpaNetworkError).systemCode).toBe('ECONNREFUSED');
    expect((e as CpaNetworkError).message).toContain(`${url}/v0/management/config`);
  });

  it('CpaResponseValidationError carries zod issues for a wrong shape, and a reason for non-JSON', async () => {
    let n = 0;
    server = await startTinyServer((_req, res) => {
      if (n++ === 0) sendJson(res, 200, { files: 'nope' });
      else {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>login page of some proxy</html>');
      }
    });
    client = createCpaClient({ baseUrl: server.url, managementKey: KEY });
    const e1 = await caught(client.authFiles.list());
    expect(e1).toBeInstanceOf(CpaResponseValidationError);
    expect((e1 as CpaResponseValidationError).issues[0]?.path).toEqual(['files']);
    const e2 = await caught(client.authFiles.list());
    expect(e2).toBeInstanceOf(CpaResponseValidationError);
    expect((e2 as CpaResponseValidationError).message).toMatch(/not JSON/);
  });

  it('never leaks the key, even when the server echoes it', async () => {
    server = await startTinyServer((req, res) =>
      sendJson(res, 500, { error: `boom ${req.headers.authorization}` }),
    );
    client = createCpaClient({ baseUrl: server.url, managementKey: KEY, retries: 0 });
    const e = (await caught(client.config.get())) as CpaHttpError;
    expect(e.body).not.toContain(KEY);
    expect(e.message).not.toContain(KEY);
    expect(e.url).not.toContain(KEY);
    expect(JSON.stringify(e)).not.toContain(KEY);
  });

  it('usageQueue.pop validates count locally', async () => {
    server = await startTinyServer((_req, res) => sendJson(res, 200, []));
    client = createCpaClient({ baseUrl: server.url, managementKey: KEY });
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      const e = await caught(client.usageQueue.pop(bad));
      expect(isCpaError(e) && e.code).toBe('invalid_argument');
    }
    expect(server.requests).toHaveLength(0);
  });

  it('calls after close() fail with client_closed; close is idempotent', async () => {
    server = await startTinyServer((_req, res) => sendJson(res, 200, {}));
    client = createCpaClient({ baseUrl: server.url, managementKey: KEY });
    await client.close();
    await client.close();
    const e = await caught(client.config.get());
    expect(isCpaError(e) && e.code).toBe('client_closed');
  });
});

describe('version detection', () => {
  it('caches headers from any answer, probes GET /config when none seen (even on 401)', async () => {
    let version = 'v7.2.140';
    server = await startTinyServer((req, res) => {
      const h = {
        'x-cpa-version': version,
        'x-cpa-commit': 'abc',
        'x-cpa-build-date': '2026-08-22',
        'x-cpa-support-plugin': 'false',
      };
      if (req.url === '/v0/management/config') sendJson(res, 401, { error: 'invalid management key' }, h);
      else sendJson(res, 200, { 'api-keys': [] }, h);
    });
    client = createCpaClient({ baseUrl: server.url, managementKey: KEY });
    expect(await client.getServerVersion()).toEqual({
      version: 'v7.2.140',
      commit: 'abc',
      buildDate: '2026-08-22',
      supportsPlugin: false,
    });
    expect(server.requests.map((r) => r.url)).toEqual(['/v0/management/config']);
    version = '7.0.6';
    await client.apiKeys.list();
    expect((await client.getServerVersion()).version).toBe('7.0.6');
    expect(await client.supports('resp-subscribe')).toBe(false);
    expect(await client.supports('http-usage-queue')).toBe(true);
    expect(server.requests).toHaveLength(2);
  });
});
