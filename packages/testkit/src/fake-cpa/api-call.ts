/** Default upstream answers for POST /api-call (the panel's quota checks), deterministic per auth_index. */
import { createHash } from 'node:crypto';
import type { ApiCallRequest, ApiCallResponse } from './types';

function pct(seed: string, salt: string): number {
  const h = createHash('sha256').update(`${seed}:${salt}`).digest();
  return (h[0] as number) % 100;
}

function json(body: unknown, status = 200): ApiCallResponse {
  return { statusCode: status, header: { 'Content-Type': ['application/json'] }, body: JSON.stringify(body) };
}

export function defaultApiCallResponse(req: ApiCallRequest, nowMs: number): ApiCallResponse {
  let u: URL;
  try {
    u = new URL(req.url);
  } catch {
    return json({ error: 'bad url' }, 400);
  }
  const seed = req.authIndex || 'none';
  const nowS = Math.floor(nowMs / 1000);
  const email =
    typeof req.authFile?.content.email === 'string' ? req.authFile.content.email : 'user@example.com';

  if (u.hostname === 'chatgpt.com' && u.pathname.endsWith('/wham/usage')) {
    const p = pct(seed, 'primary');
    const s = pct(seed, 'secondary');
    return json({
      plan_type: 'plus',
      rate_limit: {
        allowed: true,
        limit_reached: false,
        primary_window: {
          used_percent: p,
          limit_window_seconds: 18000,
          reset_after_seconds: 7200,
          reset_at: nowS + 7200,
        },
        secondary_window: {
          used_percent: s,
          limit_window_seconds: 604800,
          reset_after_seconds: 302400,
          reset_at: nowS + 302400,
        },
      },
      code_review_rate_limit: null,
      credits: { has_credits: false, unlimited: false, balance: '0' },
    });
  }
  if (u.hostname === 'chatgpt.com' && u.pathname.includes('rate-limit-reset-credits')) {
    return json({ credits: 0, available: false });
  }
  if (u.hostname === 'api.anthropic.com' && u.pathname === '/api/oauth/usage') {
    const w = (salt: string, hours: number) => ({
      utilization: pct(seed, salt),
      resets_at: new Date(nowMs + hours * 3600_000).toISOString(),
    });
    return json({
      five_hour: w('five_hour', 3),
      seven_day: w('seven_day', 96),
      seven_day_oauth_apps: null,
      seven_day_opus: w('seven_day_opus', 96),
      seven_day_sonnet: w('seven_day_sonnet', 96),
      extra_usage: { is_enabled: false, monthly_limit: null, used_credits: null, utilization: null },
    });
  }
  if (u.hostname === 'api.anthropic.com' && u.pathname === '/api/oauth/profile') {
    return json({
      account: {
        uuid: `acc-${seed}`,
        email,
        full_name: 'Fake User',
        has_claude_max: true,
        has_claude_pro: false,
      },
      organization: {
        uuid: `org-${seed}`,
        name: 'Fake Org',
        organization_type: 'claude_max',
        rate_limit_tier: 'default_claude_max_20x',
      },
    });
  }
  if (u.hostname.endsWith('googleapis.com') && u.pathname.includes('retrieveUserQuotaSummary')) {
    // Antigravity's quota summary: groups of buckets with a remaining fraction (what CPA Manager Plus reads).
    const bucket = (id: string, name: string, salt: string) => ({
      bucketId: id,
      displayName: name,
      remainingFraction: 1 - pct(seed, salt) / 100,
      resetTime: new Date(nowMs + 86400_000).toISOString(),
    });
    return json({
      groups: [
        { displayName: 'Gemini', buckets: [bucket('gemini-2-5-pro', 'Gemini 2.5 Pro', 'g25'), bucket('gemini-3-pro', 'Gemini 3 Pro', 'g3')] },
      ],
    });
  }
  if (u.hostname.endsWith('googleapis.com') && u.pathname.includes('loadCodeAssist')) {
    return json({
      currentTier: { id: 'standard-tier', name: 'Gemini Code Assist' },
      cloudaicompanionProject: `proj-${seed}`,
    });
  }
  if (u.hostname === 'api.kimi.com' && u.pathname.endsWith('/usages')) {
    return json({
      usage: {
        limit: '100',
        used: String(pct(seed, 'kimi')),
        remaining: String(100 - pct(seed, 'kimi')),
        resetTime: new Date(nowMs + 86400_000).toISOString(),
      },
    });
  }
  if (u.hostname.endsWith('grok.com') && u.pathname.includes('/billing')) {
    // xAI billing (`?format=credits`): a `config` with the weekly credit usage and its period.
    return json({
      config: {
        credit_usage_percent: pct(seed, 'xai'),
        current_period: {
          type: 'BILLING_PERIOD_TYPE_WEEKLY',
          start: new Date(nowMs - 86400_000).toISOString(),
          end: new Date(nowMs + 86400_000 * 6).toISOString(),
        },
      },
    });
  }
  return json(
    { error: { message: `fake CPA has no canned answer for ${req.method} ${u.origin}${u.pathname}` } },
    404,
  );
}
