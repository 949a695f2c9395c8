// cpamp-auth: admin auth for every route that does not opt out (`config: { auth: 'public' }`). A
// fastify-plugin, so its hook covers all routes, including the encapsulated route plugins. The admin key
// check is resolved before the plugin is registered: it gets a ready authenticator.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config';
import type { ConnectionService } from '../connection';
import type { AdminAuthenticator } from '../security/admin-credential';
import type { BruteForceGuard } from '../security/brute-force';
import { ServerError, TooManyAttemptsError } from '../errors';

function sameSecret(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

export function presentedKey(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return null;
  const m = BEARER.exec(header);
  return m ? (m[1] as string) : null;
}

/** How an admin key is checked: the stored key's verifier and the per-address brute-force guard. */
export interface AdminCheck {
  authenticator: AdminAuthenticator;
  guard: BruteForceGuard;
}

/** Throws unless the request carries the admin key; applies the brute-force guard per client address. */
export async function requireAdmin(ctx: AdminCheck, request: FastifyRequest): Promise<void> {
  if (request.isAdmin) return;
  const address = request.ip;
  const wait = ctx.guard.retryAfterSeconds(address);
  if (wait > 0) throw new TooManyAttemptsError(wait);
  const key = presentedKey(request);
  if (key === null) {
    throw new ServerError('invalid_admin_key', 'Missing admin key: send "Authorization: Bearer <cpamp admin key>" (printed at first start; `cpamp reset-admin-key` makes a new one).');
  }
  // The attempt is reserved before the slow check, so parallel wrong keys count as they arrive.
  const attempt = ctx.guard.begin(address);
  if ('retryAfterSeconds' in attempt) throw new TooManyAttemptsError(attempt.retryAfterSeconds);
  let ok: boolean;
  try {
    ok = await ctx.authenticator.verify(key);
  } catch (error) {
    attempt.abandon();
    throw error;
  }
  if (!ok) {
    attempt.fail();
    request.log.warn({ address }, 'invalid admin key');
    throw new ServerError('invalid_admin_key', 'Invalid admin key. Use the cpamp admin key (not the CPA management key); `cpamp reset-admin-key` makes a new one.');
  }
  attempt.succeed();
  request.isAdmin = true;
}

export interface AuthPluginOptions extends AdminCheck {
  /** `admin-if-configured` routes are open until a CPA connection exists. */
  connection: Pick<ConnectionService, 'isConfigured'>;
  /** The read-only scrape token that opens `metrics` routes alone (CPAMP_METRICS_TOKEN), or null. */
  metricsToken: string | null;
  /** Whether reverse proxies are trusted (a warning when X-Forwarded-For arrives and none is). */
  trustProxy: Config['trustProxy'];
}

async function authPlugin(app: FastifyInstance, opts: AuthPluginOptions): Promise<void> {
  const ctx = opts;
  app.decorateRequest('isAdmin', false);
  let warnedForwarded = false;
  app.addHook('onRequest', async (request) => {
    if (!warnedForwarded && ctx.trustProxy === false && request.headers['x-forwarded-for'] !== undefined) {
      // Behind a reverse proxy with trust off, every client shares the proxy's address: one typo-ing user
      // locks everybody out of the admin key.
      warnedForwarded = true;
      request.log.warn('requests carry X-Forwarded-For but CPAMP_TRUST_PROXY is off: every client behind the proxy shares one address for the admin-key lock. Set CPAMP_TRUST_PROXY to the proxy\'s address or CIDR.');
    }
    if (request.is404) return;
    const level = request.routeOptions.config.auth ?? 'admin';
    if (level === 'public') return;
    if (level === 'metrics' && ctx.metricsToken !== null) {
      const key = presentedKey(request);
      if (key !== null && sameSecret(key, ctx.metricsToken)) return;
    }
    if (level === 'admin-if-configured') {
      // Open until a CPA connection exists (the panel reads it before setup); a presented key is still checked.
      if (!ctx.connection.isConfigured() && presentedKey(request) === null) return;
    }
    await requireAdmin(ctx, request);
  });
}

export default fp(authPlugin, { name: 'cpamp-auth', fastify: '5.x' });
