/** startFakeCpa: one TCP port, first-byte sniffing between CPA's management HTTP API and its RESP usage queue. */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import { TestkitError } from '../errors';
import { ManagementAuth, ginClientIp, isLocalIp, providedKey } from './auth';
import { CLIENT_MODEL_PATHS, clientKey, clientModelsAnswer } from './client-models';
import { Router, makeCtx, type FakeCore } from './http-kit';
import { handleRespConnection } from './resp';
import { registerAuthFileRoutes } from './routes/auth-files.routes';
import { registerConfigRoutes } from './routes/config.routes';
import { registerLogRoutes } from './routes/logs.routes';
import { completeLogin, handleOAuthCallbackRoute, registerOAuthRoutes } from './routes/oauth.routes';
import { registerPluginRoutes } from './routes/plugins.routes';
import { servePluginResource } from './routes/plugin-resources';
import { NOT_FOUND_BODY, registerUsageRoutes } from './routes/usage.routes';
import { registerProviderRoutes } from './routes/providers.routes';
import { registerVertexImportRoutes } from './routes/vertex-import.routes';
import { FakeState, fmtLogTime } from './state';
import type {
  ApiCallResponder,
  FakeAuthFile,
  FakeCpa,
  FakeCpaOptions,
  FakeCpaStats,
  FakeFaults,
  SecondConsumer,
} from './types';
import { createFakeQuotaAccounts } from './quota-accounts';
import { REFRESH_PAYLOAD, UsageBus } from './usage-queue';
import { gates } from './version';

const RESP_PREFIXES = new Set([0x2a, 0x24, 0x2b, 0x2d, 0x3a]); // * $ + - :
const MGMT = '/v0/management';

export const DEFAULT_MANAGEMENT_KEY = 'test-management-key';
export const DEFAULT_VERSION = '7.2.140';

function buildRouter(): Router {
  const r = new Router();
  registerConfigRoutes(r);
  registerProviderRoutes(r);
  registerAuthFileRoutes(r);
  registerVertexImportRoutes(r);
  registerOAuthRoutes(r);
  registerLogRoutes(r);
  registerUsageRoutes(r);
  registerPluginRoutes(r);
  return r;
}

export async function startFakeCpa(options: FakeCpaOptions = {}): Promise<FakeCpa> {
  const now = options.now ?? Date.now;
  let managementKey = options.managementKey ?? DEFAULT_MANAGEMENT_KEY;
  let version: string | null = options.version === undefined ? DEFAULT_VERSION : options.version;
  let allowRemote = options.allowRemote ?? true;
  let usageEnabled = options.usageStatisticsEnabled ?? true;
  let faults: FakeFaults | null = null;
  let apiCallResponder: ApiCallResponder | null = null;
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();
  const counters = {
    requests: 0,
    authFailures: 0,
    enqueued: 0,
    droppedDisabled: 0,
    respConnections: 0,
    respCommands: 0,
    httpPops: 0,
  };

  const state = new FakeState(
    now,
    usageEnabled,
    options.retentionSeconds ?? 60,
    options.loggingToFile ?? true,
  );
  for (const f of options.authFiles ?? []) state.putAuthFile(f);
  if (options.config) Object.assign(state.config, structuredClone(options.config));
  usageEnabled = state.config['usage-statistics-enabled'] === true;

  const auth = new ManagementAuth({
    key: () => managementKey,
    allowRemote: () => allowRemote,
    now,
    onFailure: () => counters.authFailures++,
  });
  const quotaAccounts = createFakeQuotaAccounts(now);
  const bus = new UsageBus(now, () => Number(state.config['redis-usage-queue-retention-seconds']));

  // An empty key = no management secret: CPA then 404s every management route and has no usage queue at all.
  const managementEnabled = () => managementKey !== '';
  const changeKey = (k: string) => {
    managementKey = k;
    if (!managementEnabled()) bus.clear();
  };
  const notifyRefresh = () => {
    if (gates.refreshControl(version)) bus.publish('usage', REFRESH_PAYLOAD);
  };
  const setUsageEnabled = (v: boolean) => {
    usageEnabled = v;
    state.config['usage-statistics-enabled'] = v;
  };

  const core: FakeCore = {
    state,
    bus,
    now,
    version: () => version,
    usageEnabled: () => usageEnabled,
    setUsageEnabled,
    setManagementKey: changeKey,
    notifyRefresh,
    apiCallResponder: () => apiCallResponder,
    quotaAccounts,
    oauthPollsBeforeOk: options.oauthPollsBeforeOk ?? 2,
    countHttpPop: () => counters.httpPops++,
  };
  const router = buildRouter();
  // gin matches segments as written: an empty, `.` or `..` segment matches no route.
  const routeMatch = (method: string, path: string) =>
    /\/\/|\/\.{1,2}(?:\/|$)/.test(path) ? null : router.match(method, path);

  const handleHttp = async (req: IncomingMessage, res: ServerResponse) => {
    counters.requests++;
    const url = new URL(req.url ?? '/', 'http://fake-cpa.local');
    // CPA's router (gin) matches on Go's decoded URL.Path: `/usage%2Dqueue` is `/usage-queue` there, and
    // an invalid escape is a 400 before any handler runs. The raw path, not url.pathname: WHATWG URL
    // resolves `.` and `..` segments, gin does not (test/fixtures/cpa-v7.2.140/management-paths.json).
    const pathname = goDecodePath((req.url ?? '/').split('?')[0] ?? '/');
    if (pathname === null) {
      res.writeHead(400, { 'Content-Type': 'text/plain' });
      res.end('400 Bad Request');
      return;
    }
    const f = faults;
    if (f && (!f.pathPrefix || pathname.startsWith(f.pathPrefix))) {
      if (f.delayMs) await new Promise((r) => setTimeout(r, f.delayMs));
      if (f.resetConnections) {
        req.socket.resetAndDestroy();
        return;
      }
      if (f.status) {
        res.writeHead(f.status, { 'Content-Type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ error: 'fake fault' }));
        return;
      }
    }
    if (!pathname.startsWith(`${MGMT}/`) && pathname !== MGMT) {
      if (servePluginResource(state, req.method ?? 'GET', pathname, res)) return;
      if (CLIENT_MODEL_PATHS.has(pathname) && req.method === 'GET') {
        const answer = clientModelsAnswer(state, clientKey(req.headers, url));
        res.writeHead(answer.status, { 'Content-Type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(answer.body));
        return;
      }
      if (pathname === '/') {
        res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
        res.end(
          JSON.stringify({
            message: 'CLI Proxy API Server',
            endpoints: ['POST /v1/chat/completions', 'GET /v1/models'],
          }),
        );
        return;
      }
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end(NOT_FOUND_BODY);
      return;
    }
    if (!managementEnabled()) {
      res.writeHead(404).end();
      return;
    }
    const path = pathname.slice(MGMT.length) || '/';
    // gin redirects `/route/` to `/route` before any middleware: 301 for GET, 307 otherwise.
    if (path.length > 1 && path.endsWith('/') && routeMatch(req.method ?? 'GET', path.slice(0, -1))) {
      const location = pathname.slice(0, -1);
      const code = req.method === 'GET' ? 301 : 307;
      res.writeHead(code, { Location: location, 'Content-Type': 'text/html; charset=utf-8' });
      res.end(req.method === 'GET' ? `<a href="${location}">Moved Permanently</a>.\n\n` : '');
      return;
    }
    // The callback relay sits outside CPA's management group: no key check, no X-CPA-* headers.
    if (path === '/oauth-callback' && (req.method === 'GET' || req.method === 'POST')) {
      return handleOAuthCallbackRoute(makeCtx(req, res, url, {}, core), req.method);
    }
    if (version !== null) {
      res.setHeader('X-CPA-VERSION', version);
      res.setHeader('X-CPA-COMMIT', 'a7e3596');
      res.setHeader('X-CPA-BUILD-DATE', '2026-08-22T10:00:00Z');
      res.setHeader('X-CPA-SUPPORT-PLUGIN', '1');
    }
    const ctx0 = makeCtx(req, res, url, {}, core);
    const ip = ginClientIp(req.headers, req.socket.remoteAddress);
    const key = providedKey(req.headers.authorization, req.headers['x-management-key'] as string | undefined);
    const result = auth.authenticate(ip, isLocalIp(ip), key);
    if (!result.ok) return ctx0.json(result.status, { error: result.message });
    const match = routeMatch(req.method ?? 'GET', path);
    // CPA's NoRoute handler (plugin management routes) ends an unknown path with a bare 404, no body.
    if (!match) return ctx0.send(404, '', {});
    await match.handler(makeCtx(req, res, url, match.params, core));
  };

  const httpServer = createHttpServer((req, res) => {
    handleHttp(req, res).catch((e: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ error: `fake CPA internal error: ${(e as Error).message}` }));
      }
    });
  });

  const netServer = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.once('data', (first: Buffer) => {
      socket.pause();
      socket.unshift(first);
      if (RESP_PREFIXES.has(first[0] as number)) {
        counters.respConnections++;
        handleRespConnection(socket, {
          auth,
          bus,
          version: () => version,
          faults: () => faults,
          enabled: managementEnabled,
          onCommand: () => counters.respCommands++,
        });
      } else {
        httpServer.emit('connection', socket);
      }
      process.nextTick(() => socket.resume());
    });
  });

  await new Promise<void>((resolve, reject) => {
    netServer.once('error', reject);
    netServer.listen(0, '127.0.0.1', () => resolve());
  });
  const address = netServer.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  const fake: FakeCpa = {
    url: `http://127.0.0.1:${port}`,
    port,
    accounts: quotaAccounts,
    get managementKey() {
      return managementKey;
    },
    enqueueUsage(record) {
      state.traffic.record(record, now());
      if (!usageEnabled || !managementEnabled()) {
        counters.droppedDisabled++;
        return;
      }
      counters.enqueued++;
      bus.enqueue(typeof record === 'string' ? record : JSON.stringify(record));
    },
    queueLength: () => bus.length(),
    subscriberCount: (channel) => bus.subscriberCount(channel),
    publishError(event) {
      if (gates.errorsChannel(version)) bus.publish('errors', JSON.stringify(event));
    },
    notifyRefresh,
    setVersion(v) {
      version = v;
    },
    setManagementKey: changeKey,
    setUsageStatisticsEnabled: setUsageEnabled,
    setAllowRemote(b) {
      allowRemote = b;
    },
    faults: {
      set(f) {
        faults = { ...f };
      },
      clear() {
        faults = null;
      },
    },
    startSecondConsumer(opts = {}) {
      let consumed = 0;
      const t = setInterval(() => {
        consumed += bus.popOldest(opts.count ?? 100).length;
      }, opts.intervalMs ?? 50);
      timers.add(t);
      const consumer: SecondConsumer = {
        stop() {
          clearInterval(t);
          timers.delete(t);
        },
        consumed: () => consumed,
      };
      return consumer;
    },
    stats(): FakeCpaStats {
      return {
        requests: counters.requests,
        authFailures: counters.authFailures,
        bannedIps: auth.bannedIps(),
        popped: bus.counters.popped,
        enqueued: counters.enqueued,
        queued: bus.counters.queued,
        deliveredToSubscribers: bus.counters.delivered,
        droppedDisabled: counters.droppedDisabled,
        expired: bus.counters.expired,
        subscribersDropped: bus.counters.subscribersDropped,
        respConnections: counters.respConnections,
        respCommands: counters.respCommands,
        httpUsageQueueCalls: counters.httpPops,
      };
    },
    completeOAuth(stateId, error) {
      const session = state.oauth.get(stateId);
      if (!session) {
        throw new TestkitError(
          'unknown_oauth_state',
          `fake CPA completeOAuth: no OAuth login with state '${stateId}' (never started, or cancelled); start one via GET /v0/management/<provider>-auth-url first`,
        );
      }
      if (session.result) {
        throw new TestkitError(
          'oauth_already_finished',
          `fake CPA completeOAuth: the OAuth login with state '${stateId}' already finished with status '${session.result.status}'; start a new login for another outcome`,
        );
      }
      if (error !== undefined) session.result = { status: 'error', error };
      else {
        completeLogin(state, stateId, now());
        notifyRefresh();
      }
    },
    appendLog(line) {
      const ts = Math.floor(now() / 1000);
      state.logs.push({ ts, line: line.startsWith('[') ? line : `[${fmtLogTime(ts)}] [info] ${line}` });
    },
    installPlugin(p) {
      state.plugins.set(p.id, p);
    },
    setApiCallResponder(fn) {
      apiCallResponder = fn;
    },
    authFiles(): FakeAuthFile[] {
      return [...state.authFiles.values()].map((r) => ({ ...r.file, content: { ...r.file.content } }));
    },
    putAuthFile(file) {
      state.putAuthFile(file);
      notifyRefresh();
    },
    reloginAs(fileName) {
      state.reloginAs = { name: fileName, done: (authIndex) => quotaAccounts.setQuota(authIndex, { primary: { usedPercent: 0 } }) };
    },
    async close() {
      for (const t of timers) clearInterval(t);
      timers.clear();
      bus.clear();
      await new Promise<void>((resolve) => {
        netServer.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      httpServer.close();
    },
  };
  return fake;
}

/** Go's url.PathUnescape as net/http applies it to URL.Path: every %XX decoded, a bad escape an error. */
export function goDecodePath(rawPath: string): string | null {
  if (!rawPath.includes('%')) return rawPath;
  if (/%(?![0-9A-Fa-f]{2})/.test(rawPath)) return null;
  try {
    return decodeURIComponent(rawPath);
  } catch {
    // Go decodes bytes, not UTF-8: fall back to a byte-wise decode.
    return Buffer.from(rawPath.replace(/%([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
  }
}
