// Embeds the cpamp Manager Server in another fastify app, mounted under /cpamp.
// buildApp returns a complete fastify instance (its own logger, error handler, auth hooks), not a plugin, so the
// host forwards /cpamp/* to it with inject(). The CPA is the fake CPA from @cpamp/testkit; data goes to a temp dir.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { buildApp, defineConfig, generateAdminKey } from '@cpamp/server';
import { startFakeCpa } from '@cpamp/testkit';

const PREFIX = '/cpamp';
// Hop-by-hop and length headers are recomputed on each leg.
const SKIP = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'host']);

/** Forwards every request under `prefix` to the embedded app (buffered: no SSE or streamed exports). */
function mount(host: FastifyInstance, inner: FastifyInstance, prefix: string): void {
  void host.register(
    async (scope) => {
      // Pass bodies through untouched (uploads, imports, JSON) instead of parsing them twice.
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
      scope.all('/*', async (req, reply) => {
        const headers: Record<string, string | string[]> = {};
        for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !SKIP.has(k)) headers[k] = v;
        const res = await inner.inject({
          method: req.method as 'GET',
          url: req.url.slice(prefix.length) || '/',
          headers,
          ...(Buffer.isBuffer(req.body) ? { payload: req.body } : {}),
          remoteAddress: req.ip,
        });
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined && !SKIP.has(k)) void reply.header(k, v);
        return reply.code(res.statusCode).send(res.rawPayload);
      });
    },
    { prefix },
  );
}

const dataDir = await mkdtemp(join(tmpdir(), 'cpamp-embed-'));
const fake = await startFakeCpa();
const adminKey = generateAdminKey();
let host: FastifyInstance | undefined;
let cpamp: FastifyInstance | undefined;
try {
  cpamp = await buildApp(
    defineConfig({
      dataDir,
      cpaUpstreamUrl: fake.url, // env-managed connection: no setup step needed
      cpaManagementKey: fake.managementKey,
      adminKey,
      logLevel: 'warn',
    }),
    { collectorStopTimeoutMs: 2_000 },
  );

  host = Fastify();
  host.get('/hello', async () => ({ hello: 'from the host app' }));
  mount(host, cpamp, PREFIX);
  await host.listen({ host: '127.0.0.1', port: 0 });
  const address = host.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  console.log(`host app on ${base}, cpamp mounted at ${base}${PREFIX}, fake CPA at ${fake.url}`);

  const auth = { Authorization: `Bearer ${adminKey}` };
  for (const path of ['/hello', `${PREFIX}/health`, `${PREFIX}/usage-service/info`, `${PREFIX}/status`]) {
    const res = await fetch(`${base}${path}`, { headers: auth });
    const body = (await res.json()) as Record<string, unknown>;
    console.log(`GET ${path} -> ${res.status}`);
    console.log(JSON.stringify(path.endsWith('/status') ? { configured: body.configured, upstream: body.upstream } : body, null, 2));
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}`);
  }
  console.log('Done.');
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await host?.close();
  await cpamp?.close(); // stops the collector, closes the store, releases the data-dir lock
  await fake.close();
  await rm(dataDir, { recursive: true, force: true });
}
