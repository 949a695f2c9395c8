/**
 * The fake's emulation of the quota endpoints beyond Codex and Claude, for accounts with a quota state:
 * Antigravity `v1internal:retrieveUserQuotaSummary` (groups of buckets with remainingFraction), Kimi
 * `coding/v1/usages` (usage + per-window limits), xAI billing (`cli-chat-proxy.grok.com/v1/billing`, a
 * `config` with the weekly credit usage and period) and xAI inference (`/v1/responses`, a completed answer).
 * Shapes follow what CPA Manager Plus reads from these providers. The primary window of the state stands
 * for the short window (5 h), the secondary for the weekly one. Failure states: `free-usage-exhausted` and
 * `permission-denied` (xAI), `workspace-deactivated` (402 on every provider).
 */
import type { ApiCallResponse } from './types';

export type ProviderKind = 'antigravity' | 'kimi' | 'xai-billing' | 'xai-inference';

export interface ProviderWindow {
  usedPercent: number;
  resetAtMs: number;
  windowSeconds: number;
}

export interface ProviderQuotaState {
  primary: ProviderWindow;
  secondary: ProviderWindow;
  state: string;
}

const json = (body: unknown, status = 200): ApiCallResponse => ({
  statusCode: status,
  header: { 'Content-Type': ['application/json'] },
  body: JSON.stringify(body),
});

export function providerKindOf(u: URL): ProviderKind | null {
  if (u.hostname.endsWith('googleapis.com') && u.pathname.endsWith(':retrieveUserQuotaSummary'))
    return 'antigravity';
  if (u.hostname === 'api.kimi.com' && u.pathname === '/coding/v1/usages') return 'kimi';
  if (u.hostname === 'cli-chat-proxy.grok.com' && u.pathname === '/v1/billing') return 'xai-billing';
  if (
    (u.hostname === 'cli-chat-proxy.grok.com' || u.hostname === 'api.x.ai') &&
    u.pathname === '/v1/responses'
  )
    return 'xai-inference';
  return null;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** A deactivated workspace: 402 with `deactivated_workspace` (as ChatGPT answers) on every provider here. */
export const deactivatedAnswer = (): ApiCallResponse =>
  json(
    {
      detail: { code: 'deactivated_workspace' },
      error: { code: 'workspace_deactivated', message: 'This workspace has been deactivated.' },
    },
    402,
  );

export function providerAnswer(kind: ProviderKind, s: ProviderQuotaState, nowMs: number): ApiCallResponse {
  if (s.state === 'workspace-deactivated') return deactivatedAnswer();
  if (s.state === 'expired')
    return json(
      { error: { code: 'unauthenticated:bad-credentials', message: 'invalid or expired credentials' } },
      401,
    );
  if (s.state === 'error') return json({ error: { message: 'upstream error' } }, 500);
  if (kind === 'xai-billing' || kind === 'xai-inference') {
    if (s.state === 'free-usage-exhausted') {
      return json(
        {
          code: 'subscription:free-usage-exhausted',
          error: 'You have used all of your included free usage. It refills over the next 24 hours.',
        },
        429,
      );
    }
    if (s.state === 'permission-denied' && kind === 'xai-inference') {
      return json(
        { code: 'permission_denied', error: 'The credential is not permitted to use the chat endpoint.' },
        403,
      );
    }
  }
  if (s.state === 'banned')
    return json(
      { error: { code: 403, message: 'The caller does not have permission', status: 'PERMISSION_DENIED' } },
      403,
    );
  switch (kind) {
    case 'antigravity':
      return json({
        groups: [
          {
            displayName: 'Claude',
            buckets: [
              {
                bucketId: 'claude-5h',
                displayName: 'Claude 5h',
                window: '5h',
                remainingFraction: 1 - s.primary.usedPercent / 100,
                resetTime: iso(s.primary.resetAtMs),
              },
            ],
          },
          {
            displayName: 'Gemini',
            buckets: [
              {
                bucketId: 'gemini-weekly',
                displayName: 'Gemini weekly',
                window: '7d',
                remainingFraction: 1 - s.secondary.usedPercent / 100,
                resetTime: iso(s.secondary.resetAtMs),
              },
            ],
          },
        ],
      });
    case 'kimi':
      return json({
        usage: {
          limit: '100',
          used: String(s.secondary.usedPercent),
          remaining: String(100 - s.secondary.usedPercent),
          resetTime: iso(s.secondary.resetAtMs),
        },
        limits: [
          {
            window: { duration: s.primary.windowSeconds / 60, timeUnit: 'TIME_UNIT_MINUTE' },
            detail: {
              limit: '100',
              used: String(s.primary.usedPercent),
              remaining: String(100 - s.primary.usedPercent),
              resetTime: iso(s.primary.resetAtMs),
            },
          },
        ],
      });
    case 'xai-billing':
      return json({
        config: {
          credit_usage_percent: s.secondary.usedPercent,
          current_period: {
            type: 'BILLING_PERIOD_TYPE_WEEKLY',
            start: iso(s.secondary.resetAtMs - s.secondary.windowSeconds * 1000),
            end: iso(s.secondary.resetAtMs),
          },
          product_usage: [],
        },
      });
    case 'xai-inference':
      return json({
        id: `resp_${Math.floor(nowMs / 1000)}`,
        status: 'completed',
        output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'OK' }] }],
        error: null,
      });
  }
}
