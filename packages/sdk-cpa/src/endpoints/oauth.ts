// OAuth login: ask CPA for a provider's login URL, then poll /get-auth-status until the user finished.
import { CpaError } from '../errors';
import { sleep, type HttpTransport } from '../http';
import {
  AuthStatusSchema,
  AuthUrlSchema,
  CancelSessionSchema,
  OAuthCallbackResultSchema,
  type CpaAuthStatus,
  type CpaAuthUrl,
} from '../schemas/oauth.schema';
import type { CpaCallOptions } from './call-options';

/** Built-in providers; plugin providers are served under the same "/<provider>-auth-url" pattern. */
export type CpaOAuthProvider = 'anthropic' | 'codex' | 'antigravity' | 'kimi' | 'xai' | (string & {});

export interface CpaWaitForAuthOptions extends CpaCallOptions {
  /** Poll interval; the official panel uses 3 s. Default 3000. */
  intervalMs?: number;
}

/** What the provider redirected the browser to: the full redirect URL, or its code/error. */
export interface CpaOAuthCallback {
  provider: CpaOAuthProvider;
  state: string;
  redirectUrl?: string;
  code?: string;
  error?: string;
}

export interface CpaOAuthApi {
  /** Starts a login; open `url` in a browser, then waitForAuth(state). `isWebui` = CPA relays the callback. */
  getAuthUrl(
    provider: CpaOAuthProvider,
    options?: CpaCallOptions & { isWebui?: boolean },
  ): Promise<CpaAuthUrl>;
  getAuthStatus(state: string, options?: CpaCallOptions): Promise<CpaAuthStatus>;
  /** Polls until "ok" (resolves) or "error" (rejects with code 'oauth_failed'); stop it with the signal. */
  waitForAuth(state: string, options?: CpaWaitForAuthOptions): Promise<void>;
  /** Relays a provider callback to CPA (POST /oauth-callback) when the browser could not reach CPA's callback port. */
  submitCallback(callback: CpaOAuthCallback, options?: CpaCallOptions): Promise<void>;
  /** Cancels a pending login session. */
  cancel(state: string, options?: CpaCallOptions): Promise<{ cancelled: boolean }>;
}

function requireState(state: string, what: string): void {
  if (typeof state !== 'string' || state.trim() === '') {
    throw new CpaError(
      'invalid_argument',
      `oauth.${what}: state is empty. Pass the state returned by oauth.getAuthUrl().`,
    );
  }
}

export function createOAuthApi(http: HttpTransport): CpaOAuthApi {
  const api: CpaOAuthApi = {
    getAuthUrl(provider, o) {
      if (!/^[a-z0-9][a-z0-9_-]*$/i.test(provider)) {
        return Promise.reject(
          new CpaError(
            'invalid_argument',
            `oauth.getAuthUrl: "${provider}" is not a provider name (letters, digits, - and _ only).`,
          ),
        );
      }
      return http.json(
        {
          method: 'GET',
          path: `/${provider.toLowerCase()}-auth-url`,
          query: o?.isWebui ? { is_webui: 'true' } : undefined,
          // Each call starts a new login session: not safe to repeat blindly.
          idempotent: false,
          signal: o?.signal,
        },
        AuthUrlSchema,
      );
    },
    async getAuthStatus(state, o) {
      requireState(state, 'getAuthStatus');
      return http.json(
        { method: 'GET', path: '/get-auth-status', query: { state }, signal: o?.signal },
        AuthStatusSchema,
      );
    },
    async waitForAuth(state, o) {
      requireState(state, 'waitForAuth');
      const interval = Math.max(10, o?.intervalMs ?? 3000);
      for (;;) {
        const status = await api.getAuthStatus(state, o?.signal ? { signal: o.signal } : undefined);
        if (status.status === 'ok') return;
        if (status.status === 'error') {
          throw new CpaError(
            'oauth_failed',
            `OAuth login for state ${state} failed: ${status.error ?? 'no reason given'}. Start a new login with oauth.getAuthUrl().`,
          );
        }
        await sleep(interval, o?.signal, 'GET', '/get-auth-status');
      }
    },
    async submitCallback(cb, o) {
      requireState(cb.state, 'submitCallback');
      const json: Record<string, string> = { provider: cb.provider, state: cb.state };
      if (cb.redirectUrl) json.redirect_url = cb.redirectUrl;
      if (cb.code) json.code = cb.code;
      if (cb.error) json.error = cb.error;
      await http.json(
        { method: 'POST', path: '/oauth-callback', json, signal: o?.signal },
        OAuthCallbackResultSchema,
      );
    },
    async cancel(state, o) {
      requireState(state, 'cancel');
      const res = await http.json(
        { method: 'DELETE', path: '/oauth-session', query: { state }, signal: o?.signal },
        CancelSessionSchema,
      );
      return { cancelled: res.cancelled ?? true };
    },
  };
  return api;
}
