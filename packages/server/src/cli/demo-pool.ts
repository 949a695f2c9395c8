// The account pool and alerts of `cpamp demo`: quota states for the fake CPA's Codex and Claude accounts,
// the pool policy switched on, one inspection at start (then every 5 minutes), quota that keeps burning so
// window history gives slopes and forecasts, and one alert rule with an in-panel (SSE) channel. Everything
// goes through the same HTTP routes a user would use; set-up runs after the URL is printed.
import type { FakeQuotaAccounts, GeneratedAccount } from '@cpamp/testkit';

/** The generator seed and pool size of the demo: usage records and auth files come from the same pool. */
export const DEMO_SEED = 'cpamp-demo';
export const DEMO_ACCOUNTS = 60;
export const DEMO_INSPECTION_MINUTES = 5;
/** Quota-low rule threshold: the pool signals an account once when it drops below 20 % remaining. */
export const DEMO_ALERT_REMAINING_BELOW = 20;

const FIVE_HOURS_S = 18_000;
const WEEK_S = 604_800;
const STEP_MS = 60_000;
/** % of both windows a "hot" account burns per minute: it runs out within the hour, before its reset. */
const HOT_PERCENT_PER_MINUTE = 1;

/**
 * The level the generator's rate-limit response headers report for an account at an instant (the same
 * per-account saw-tooth), so inspections and traffic evidence agree about the steady accounts.
 */
export function sawtooth(accountIndex: number, atMs: number, windowS: number): { usedPercent: number; resetInSeconds: number; windowSeconds: number } {
  const phase = ((accountIndex * 0.6180339887) % 1) * windowS;
  const into = (Math.floor(atMs / 1000) + phase) % windowS;
  return { usedPercent: Math.min(99, Math.floor((into / windowS) * 100)), resetInSeconds: Math.max(1, Math.floor(windowS - into)), windowSeconds: windowS };
}

export interface DemoPoolPlan {
  codex: GeneratedAccount[];
  claude: GeneratedAccount[];
  /** Follow the saw-tooth minute by minute. */
  steady: GeneratedAccount[];
  /** Burn fast (fake.accounts.consume each minute) until exhausted. */
  hot: GeneratedAccount[];
  /** Used up for 15 minutes at start. */
  exhausted: GeneratedAccount[];
  expired: GeneratedAccount[];
  banned: GeneratedAccount[];
}

/**
 * Assigns roles. The special accounts come from the tail of each provider's list: the generator's traffic
 * favours the head, so their own (header) evidence rarely contradicts the state set here.
 */
export function planDemoPool(accounts: readonly GeneratedAccount[]): DemoPoolPlan {
  const files = accounts.filter((a) => a.authType === 'oauth' && a.file !== null);
  const codex = files.filter((a) => a.provider === 'codex');
  const claude = files.filter((a) => a.provider === 'claude');
  // Roles only for accounts the operator has not disabled; disabled ones still get steady windows.
  const enabled = (a: GeneratedAccount) => a.file?.content.disabled !== true;
  const codexTail = codex.filter(enabled).reverse();
  const claudeTail = claude.filter(enabled).reverse();
  const take = (list: GeneratedAccount[], ...at: number[]) => at.map((i) => list[i]).filter((a): a is GeneratedAccount => a !== undefined);
  // Three exhausted Codex accounts: enough to show cooldown and restore without emptying the demo pool.
  const exhausted = take(codexTail, 0, 1, 2);
  const expired = take(codexTail, 3);
  const banned = take(claudeTail, 0);
  const hot = [...take(codexTail, 4, 5), ...take(claudeTail, 1)];
  const special = new Set([...exhausted, ...expired, ...banned, ...hot]);
  return { codex, claude, steady: [...codex, ...claude].filter((a) => !special.has(a)), hot, exhausted, expired, banned };
}

const planOf = (a: GeneratedAccount) => (a.planType ? { plan: a.planType } : {});

function setSteady(quota: FakeQuotaAccounts, a: GeneratedAccount, nowMs: number): void {
  quota.setQuota(a.authIndex, { primary: sawtooth(a.index, nowMs, FIVE_HOURS_S), secondary: sawtooth(a.index, nowMs, WEEK_S), ...planOf(a) });
}

/** Initial quota states: varied steady levels, hot accounts well into their window, 15-minute exhaustions, one expired token, one ban. */
export function seedDemoQuotas(quota: FakeQuotaAccounts, plan: DemoPoolPlan, nowMs: number): void {
  for (const a of [...plan.steady, ...plan.exhausted, ...plan.expired, ...plan.banned]) setSteady(quota, a, nowMs);
  plan.hot.forEach((a, k) => {
    quota.setQuota(a.authIndex, {
      primary: { usedPercent: 62 + 6 * k, resetInSeconds: 3 * 3600 - k * 1200 },
      secondary: { usedPercent: 20 + 5 * k, resetInSeconds: 4 * 86_400 },
      ...planOf(a),
    });
  });
  for (const a of plan.exhausted) quota.exhaust(a.authIndex, { resetInSeconds: 900 });
  for (const a of plan.expired) quota.expire(a.authIndex);
  for (const a of plan.banned) quota.ban(a.authIndex);
}

/** One minute of quota use. `disabled`: file names CPA has disabled (they get no traffic, so they burn nothing). */
export function stepDemoQuotas(quota: FakeQuotaAccounts, plan: DemoPoolPlan, nowMs: number, disabled: ReadonlySet<string>): void {
  for (const a of plan.steady) setSteady(quota, a, nowMs);
  for (const a of plan.hot) {
    const s = quota.get(a.authIndex);
    if (!s || s.state !== 'ok' || (a.file && disabled.has(a.file.name))) continue;
    // Stop before the weekly window fills, or the account would sit in cooldown for days; Claude stops
    // just short of full (see planDemoPool).
    const cap = a.provider === 'claude' ? 96 : 100;
    if (s.primary.usedPercent >= cap || s.secondary.usedPercent >= 90) continue;
    quota.consume(a.authIndex, Math.min(HOT_PERCENT_PER_MINUTE, cap - s.primary.usedPercent));
  }
}

export type DemoInject = (req: { method: 'GET' | 'POST' | 'PUT'; url: string; payload?: object }) => Promise<{ statusCode: number; body: string }>;

export interface DemoPoolSetup {
  channelId: number | null;
  ruleId: number | null;
  inspectionRunId: number | null;
}

export interface DemoPool {
  /** Resolves when the set-up (alert rule, policy, first inspection) has finished; never rejects. */
  ready: Promise<DemoPoolSetup>;
  stop(): Promise<void>;
}

export interface StartDemoPoolOptions {
  quota: FakeQuotaAccounts;
  plan: DemoPoolPlan;
  /** An authenticated request to the demo server (app.inject with the admin key). */
  inject: DemoInject;
  /** File names of disabled auth files in the fake CPA. */
  disabledFiles: () => ReadonlySet<string>;
  warn: (message: string) => void;
  now?: () => number;
  stepMs?: number;
}

export function startDemoPool(o: StartDemoPoolOptions): DemoPool {
  const now = o.now ?? Date.now;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;

  const call = async (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object): Promise<{ status: number; json: Record<string, unknown> }> => {
    const res = await o.inject({ method, url, ...(payload ? { payload } : {}) });
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(res.body) as Record<string, unknown>;
    } catch {
      json = {};
    }
    return { status: res.statusCode, json };
  };
  const idOf = (json: Record<string, unknown>, key: string): number | null => {
    const v = (json[key] as { id?: unknown } | undefined)?.id;
    return typeof v === 'number' ? v : null;
  };

  const setup = async (): Promise<DemoPoolSetup> => {
    const out: DemoPoolSetup = { channelId: null, ruleId: null, inspectionRunId: null };
    // The rule first: incidents only open for signals that arrive while a rule exists.
    const channel = await call('POST', '/v0/management/alerts/channels', { name: 'Panel notifications', type: 'sse' });
    out.channelId = idOf(channel.json, 'channel');
    if (out.channelId === null) o.warn(`creating the demo alert channel failed (${channel.status})`);
    const rule = await call('POST', '/v0/management/alerts/rules', {
      name: `Account quota below ${DEMO_ALERT_REMAINING_BELOW} %`,
      kind: 'quota-low',
      severity: 'warning',
      params: { remainingPercentBelow: DEMO_ALERT_REMAINING_BELOW },
      channelIds: out.channelId === null ? [] : [out.channelId],
      quietMinutes: 30,
    });
    out.ruleId = idOf(rule.json, 'rule');
    if (out.ruleId === null) o.warn(`creating the demo alert rule failed (${rule.status})`);
    const policy = await call('PUT', '/v0/management/pool/policy', {
      autoDisableOnExhaustion: true,
      autoRestoreAtReset: true,
      authIssueQueue: true,
      inspectionIntervalMinutes: DEMO_INSPECTION_MINUTES,
    });
    if (policy.status !== 200) o.warn(`enabling the pool policy failed (${policy.status}): ${JSON.stringify(policy.json)}`);
    if (stopped) return out;
    const started = await call('POST', '/v0/management/pool/inspections', {});
    out.inspectionRunId = idOf(started.json, 'run');
    if (out.inspectionRunId === null) {
      o.warn(`starting the first inspection failed (${started.status})`);
      return out;
    }
    // Wait for the run so `ready` means the pool has data (a local fake answers within a second or two).
    const runUrl = `/v0/management/pool/inspections/${out.inspectionRunId}`;
    const waitRun = async (ms: number, whileRunning: () => boolean): Promise<string | undefined> => {
      const deadline = now() + ms;
      let state: string | undefined;
      while (now() < deadline && whileRunning()) {
        state = ((await call('GET', `${runUrl}?limit=1`)).json.run as { state?: string } | undefined)?.state;
        if (state !== 'running') return state;
        await new Promise((r) => setTimeout(r, 100).unref());
      }
      return state;
    };
    const state = await waitRun(60_000, () => !stopped);
    if (stopped && state === 'running') {
      // Stopping mid-run: cancel and let the run finish before the app (and its database) closes.
      await call('POST', `${runUrl}/cancel`);
      await waitRun(5_000, () => true);
    }
    return out;
  };

  const ready = setup()
    .catch((err: unknown) => {
      o.warn(`setting up the demo pool failed: ${(err as Error).message}`);
      return { channelId: null, ruleId: null, inspectionRunId: null };
    })
    .finally(() => {
      if (stopped) return;
      timer = setInterval(() => {
        try {
          stepDemoQuotas(o.quota, o.plan, now(), o.disabledFiles());
        } catch (err) {
          o.warn(`demo quota step failed: ${(err as Error).message}`);
        }
      }, o.stepMs ?? STEP_MS);
      timer.unref();
    });

  return {
    ready,
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await ready;
      if (timer) clearInterval(timer);
    },
  };
}
