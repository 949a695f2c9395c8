/** OAuth login URLs, status polling, cancel and the callback relay (auth_files_provider_oauth.go, oauth_callback.go). */
import { isObject, type RouteCtx, type Router } from '../http-kit';
import { fakeAuthIndex, type FakeState, type OAuthSession } from '../state';

interface ProviderFlow {
  path: string;
  /** Auth-file `type` a finished login writes. */
  provider: string;
  /** Name CPA registers the session under (what /oauth-callback's `provider` must normalise to). */
  sessionProvider: string;
  url: (state: string) => string;
  device?: boolean;
}

const PROVIDERS: ProviderFlow[] = [
  {
    path: 'codex-auth-url',
    provider: 'codex',
    sessionProvider: 'codex',
    url: (s) =>
      `https://auth.openai.com/oauth/authorize?response_type=code&client_id=app_fake_codex&redirect_uri=http%3A%2F%2Flocalhost%3A1455%2Fauth%2Fcallback&scope=openid+email+profile+offline_access&state=${s}`,
  },
  {
    path: 'anthropic-auth-url',
    provider: 'claude',
    sessionProvider: 'anthropic',
    url: (s) =>
      `https://claude.ai/oauth/authorize?code=true&client_id=fake-claude-client&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A54545%2Fcallback&scope=org%3Acreate_api_key+user%3Aprofile+user%3Ainference&state=${s}`,
  },
  {
    path: 'antigravity-auth-url',
    provider: 'antigravity',
    sessionProvider: 'antigravity',
    url: (s) =>
      `https://accounts.google.com/o/oauth2/v2/auth?access_type=offline&client_id=fake-antigravity.apps.googleusercontent.com&prompt=consent&response_type=code&state=${s}`,
  },
  {
    path: 'xai-auth-url',
    provider: 'xai',
    sessionProvider: 'xai',
    url: (s) => `https://auth.x.ai/oauth2/authorize?response_type=code&client_id=fake-xai&state=${s}`,
  },
  {
    path: 'kimi-auth-url',
    provider: 'kimi',
    sessionProvider: 'kimi',
    url: (s) => `https://www.kimi.com/code/authorize_device?user_code=FAKE-${s.slice(0, 4).toUpperCase()}`,
    device: true,
  },
];

/** CPA's ValidateOAuthState: ≤128 chars of [A-Za-z0-9._-], no "..". */
export function validOAuthState(state: string): boolean {
  return state.length <= 128 && /^[A-Za-z0-9._-]+$/.test(state) && !state.includes('..');
}

/** CPA's NormalizeOAuthCallbackProvider: built-in aliases, else a plugin-style name ([a-z0-9-]). */
function normalizeCallbackProvider(provider: string): string | null {
  const p = provider.trim().toLowerCase();
  if (p === 'anthropic' || p === 'claude') return 'anthropic';
  if (p === 'codex' || p === 'openai') return 'codex';
  if (p === 'antigravity' || p === 'anti-gravity') return 'antigravity';
  if (p === 'xai' || p === 'x-ai' || p === 'x.ai' || p === 'grok') return 'xai';
  return /^[a-z0-9-]+$/.test(p) ? p : null;
}

/** Adds the auth file a finished login would have written. */
export function completeLogin(state: FakeState, stateId: string, nowMs: number): boolean {
  const session = state.oauth.get(stateId);
  if (!session) return false;
  session.result = { status: 'ok' };
  // A re-login of a known account: CPA writes the new token into the same file (same name, same auth_index).
  const again = state.reloginAs ? state.authFiles.get(state.reloginAs.name) : undefined;
  if (again && state.reloginAs) {
    const done = state.reloginAs.done;
    state.reloginAs = null;
    state.putAuthFile({
      ...again.file,
      content: { ...again.file.content, access_token: `fake-access-${stateId}`, refresh_token: `fake-refresh-${stateId}`, last_refresh: new Date(nowMs).toISOString(), expired: new Date(nowMs + 3600_000).toISOString() },
    });
    done(fakeAuthIndex(again.file));
    return true;
  }
  const email = `oauth-${stateId.slice(0, 6)}@example.com`;
  state.putAuthFile({
    name: `${session.provider}-${email}.json`,
    content: {
      type: session.provider,
      email,
      access_token: `fake-access-${stateId}`,
      refresh_token: `fake-refresh-${stateId}`,
      last_refresh: new Date(nowMs).toISOString(),
      expired: new Date(nowMs + 3600_000).toISOString(),
    },
  });
  return true;
}

interface CallbackRequest {
  provider: string;
  redirectUrl: string;
  code: string;
  state: string;
  error: string;
}

function fail(ctx: RouteCtx, status: number, error: string): void {
  ctx.json(status, { status: 'error', error });
}

/** handleOAuthCallback: validate, match the pending session, then let the login finish. */
function handleCallback(ctx: RouteCtx, req: CallbackRequest): void {
  let state = req.state.trim();
  let code = req.code.trim();
  let errMsg = req.error.trim();
  const rawRedirect = req.redirectUrl.trim();
  if (rawRedirect !== '') {
    let q: URLSearchParams;
    try {
      // Go's url.Parse also takes relative references; a base keeps "?code=…&state=…" parseable here.
      q = new URL(rawRedirect, 'http://redirect.invalid').searchParams;
    } catch {
      return fail(ctx, 400, 'invalid redirect_url');
    }
    if (state === '') state = (q.get('state') ?? '').trim();
    if (code === '') code = (q.get('code') ?? '').trim();
    if (errMsg === '') errMsg = (q.get('error') ?? '').trim() || (q.get('error_description') ?? '').trim();
  }
  if (state === '') return fail(ctx, 400, 'state is required');
  if (!validOAuthState(state)) return fail(ctx, 400, 'invalid state');
  if (code === '' && errMsg === '') return fail(ctx, 400, 'code or error is required');

  const { core } = ctx;
  const session = core.state.oauth.get(state);
  if (!session) return fail(ctx, 404, 'unknown or expired state');
  if (session.result?.status === 'ok') return fail(ctx, 409, 'oauth flow is already completed');
  const canonical = normalizeCallbackProvider(req.provider.trim() || session.sessionProvider);
  if (canonical === null) return fail(ctx, 400, 'unsupported provider');
  if (session.result?.status === 'error') return fail(ctx, 409, session.result.error);
  if (canonical !== session.sessionProvider) return fail(ctx, 400, 'provider does not match state');

  // CPA writes the callback file and its waiting login goroutine picks it up; the fake finishes at once.
  // Device flows never read a callback file, so their session stays pending.
  if (!session.device) {
    if (errMsg !== '') session.result = { status: 'error', error: 'Bad Request' };
    else {
      completeLogin(core.state, state, core.now());
      core.notifyRefresh();
    }
  }
  ctx.json(200, { status: 'ok' });
}

/** POST|GET /v0/management/oauth-callback: served without the management key (availability gate only). */
export async function handleOAuthCallbackRoute(ctx: RouteCtx, method: 'GET' | 'POST'): Promise<void> {
  if (method === 'GET') {
    const q = ctx.url.searchParams;
    const first = (...vals: (string | null)[]) => vals.map((v) => (v ?? '').trim()).find((v) => v) ?? '';
    return handleCallback(ctx, {
      provider: q.get('provider') ?? '',
      redirectUrl: '',
      code: q.get('code') ?? '',
      state: q.get('state') ?? '',
      error: first(q.get('error'), q.get('error_description')),
    });
  }
  const body = await ctx.jsonBody();
  const fields = ['provider', 'redirect_url', 'code', 'state', 'error'] as const;
  if (!isObject(body) || fields.some((f) => body[f] !== undefined && typeof body[f] !== 'string')) {
    return fail(ctx, 400, 'invalid body');
  }
  const s = (k: (typeof fields)[number]) => (typeof body[k] === 'string' ? body[k] : '');
  handleCallback(ctx, {
    provider: s('provider'),
    redirectUrl: s('redirect_url'),
    code: s('code'),
    state: s('state'),
    error: s('error'),
  });
}

export function registerOAuthRoutes(r: Router): void {
  for (const p of PROVIDERS) {
    r.get(`/${p.path}`, (ctx) => {
      const stateId = ctx.core.state.newState();
      const session: OAuthSession = {
        provider: p.provider,
        sessionProvider: p.sessionProvider,
        device: p.device === true,
        polls: 0,
        result: null,
      };
      ctx.core.state.oauth.set(stateId, session);
      ctx.json(200, {
        status: 'ok',
        url: p.url(stateId),
        state: stateId,
        ...(p.device ? { flow: 'device' } : {}),
      });
    });
  }
  r.get('/get-auth-status', (ctx: RouteCtx) => {
    const id = (ctx.url.searchParams.get('state') ?? '').trim();
    // CPA answers a state-less poll with plain "ok".
    if (id === '') return ctx.json(200, { status: 'ok' });
    if (!validOAuthState(id)) return fail(ctx, 400, 'invalid state');
    const { state } = ctx.core;
    const session = state.oauth.get(id);
    if (!session) return ctx.json(200, { status: 'error', error: 'unknown or expired state' });
    if (!session.result) {
      session.polls++;
      if (session.polls > ctx.core.oauthPollsBeforeOk) {
        completeLogin(state, id, ctx.core.now());
        ctx.core.notifyRefresh();
      }
    }
    // Finished sessions stay readable (CPA keeps them for a while), so repeated polls repeat the result.
    ctx.json(200, session.result ?? { status: 'wait' });
  });
  r.delete('/oauth-session', (ctx) => {
    const id = (ctx.url.searchParams.get('state') ?? '').trim();
    if (id === '') return fail(ctx, 400, 'missing state');
    if (!validOAuthState(id)) return fail(ctx, 400, 'invalid state');
    // Only a pending session is cancelled (and forgotten); finished or unknown ones answer cancelled:false.
    const session = ctx.core.state.oauth.get(id);
    const cancelled = session !== undefined && session.result === null;
    if (cancelled) ctx.core.state.oauth.delete(id);
    ctx.json(200, { status: 'ok', cancelled });
  });
}
