/** A tiny router and request context for the fake CPA's management API (no framework needed). */
import type { FakeQuotaResponder } from './quota-accounts';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FakeState, Json } from './state';
import type { UsageBus } from './usage-queue';
import type { ApiCallResponder } from './types';

/** What route handlers may use of the running fake. */
export interface FakeCore {
  state: FakeState;
  bus: UsageBus;
  now(): number;
  version(): string | null;
  usageEnabled(): boolean;
  setUsageEnabled(v: boolean): void;
  setManagementKey(k: string): void;
  notifyRefresh(): void;
  apiCallResponder(): ApiCallResponder | null;
  /** Per-account quota emulation (quota-accounts.ts). */
  quotaAccounts: FakeQuotaResponder;
  oauthPollsBeforeOk: number;
  countHttpPop(): void;
}

export interface RouteCtx {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
  core: FakeCore;
  body(): Promise<Buffer>;
  /** Parse the body as JSON; undefined when empty or invalid. */
  jsonBody(): Promise<unknown>;
  json(status: number, value: unknown): void;
  send(status: number, body: string | Buffer, headers?: Record<string, string>): void;
}

export type Handler = (ctx: RouteCtx) => void | Promise<void>;

interface Route {
  method: string;
  parts: string[];
  handler: Handler;
}

export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler): this {
    this.routes.push({ method, parts: pattern.split('/').filter(Boolean), handler });
    return this;
  }

  get(p: string, h: Handler) {
    return this.add('GET', p, h);
  }
  put(p: string, h: Handler) {
    return this.add('PUT', p, h);
  }
  patch(p: string, h: Handler) {
    return this.add('PATCH', p, h);
  }
  post(p: string, h: Handler) {
    return this.add('POST', p, h);
  }
  delete(p: string, h: Handler) {
    return this.add('DELETE', p, h);
  }

  match(method: string, path: string): { handler: Handler; params: Record<string, string> } | null {
    const segs = path.split('/').filter(Boolean);
    for (const r of this.routes) {
      if (r.method !== method || r.parts.length !== segs.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < segs.length; i++) {
        const p = r.parts[i] as string;
        const s = segs[i] as string;
        if (p.startsWith(':')) params[p.slice(1)] = decodeURIComponent(s);
        else if (p !== s) {
          ok = false;
          break;
        }
      }
      if (ok) return { handler: r.handler, params };
    }
    return null;
  }
}

export function makeCtx(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  params: Record<string, string>,
  core: FakeCore,
): RouteCtx {
  let cached: Promise<Buffer> | null = null;
  const body = () => {
    cached ??= new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    });
    return cached;
  };
  const send = (status: number, data: string | Buffer, headers: Record<string, string> = {}) => {
    if (res.headersSent) return;
    res.writeHead(status, { 'Content-Length': String(Buffer.byteLength(data)), ...headers });
    res.end(data);
  };
  return {
    req,
    res,
    url,
    params,
    core,
    body,
    async jsonBody() {
      const b = await body();
      if (b.length === 0) return undefined;
      try {
        return JSON.parse(b.toString('utf8')) as unknown;
      } catch {
        return undefined;
      }
    },
    json(status, value) {
      send(status, JSON.stringify(value), { 'Content-Type': 'application/json; charset=utf-8' });
    },
    send,
  };
}

export function isObject(v: unknown): v is Record<string, Json> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Go's "persisted config" answer. */
export function ok(ctx: RouteCtx): void {
  ctx.json(200, { status: 'ok' });
}
