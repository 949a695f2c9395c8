// cpamp-auth: admin auth for every route that does not opt out (`config: { auth: 'public' }`). A
// fastify-plugin, so its hook covers all routes, including the encapsulated route plugins. The admin key
// check is resolved before the plugin is registered: it gets a ready authenticator.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { ConnectionService } from '../connection';
import type { AdminAuthenticator } from '../security/admin-credential';
import type { BruteForceGuard } from '../security/brute-force';
import { ServerError, TooManyAttemptsError } from '../errors';

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
  if (!(await ctx.authenticator.verify(key))) {
    ctx.guard.recordFailure(address);
    request.log.warn({ address }, 'invalid admin key');
    throw new ServerError('invalid_admin_key', 'Invalid admin key. Use the cpamp admin key (not the CPA management key); `cpamp reset-admin-key` makes a new one.');
  }
  ctx.guard.recordSuccess(address);
  request.isAdmin = true;
}

export interface AuthPluginOptions extends AdminCheck {
  /** `admin-if-configured` routes are open until a CPA connection exists. */
  connection: Pick<ConnectionService, 'isConfigured'>;
}

async function authPlugin(app: FastifyInstance, opts: AuthPluginOptions): Promise<void> {
  const ctx = opts;
  app.decorateRequest('isAdmin', false);
  app.addHook('onRequest', async (request) => {
    if (request.is404) return;
    const level = request.routeOptions.config.auth ?? 'admin';
    if (level === 'public') return;
    if (level === 'admin-if-configured') {
      // Open until a CPA connection exists (the panel reads it before setup); a presented key is still checked.
      if (!ctx.connection.isConfigured() && presentedKey(request) === null) return;
    }
    await requireAdmin(ctx, request);
  });
}

export default fp(authPlugin, { name: 'cpamp-auth', fastify: '5.x' });
