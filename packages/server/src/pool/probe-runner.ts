// One account's probe as the policy configures it: the provider's request (User-Agent replaced when the
// policy names one), a per-attempt timeout, retries for transient failures, the used-% threshold, and for
// xAI an optional inference probe after billing. Returns the classified outcome.
import type { PoolCpa } from './cpa-port';
import type { PoolPolicy } from './policy';
import {
  xaiFailureOutcome,
  xaiInferenceHealthy,
  xaiInferenceRequest,
  type ProbeContext,
} from './provider-probes';
import { classifyProbe, probeRequest, type ProbeOutcome, type ProbeRequest } from './quota-parse';

type RunnerPolicy = Pick<
  PoolPolicy,
  | 'inspectionRetries'
  | 'inspectionTimeoutMs'
  | 'inspectionUserAgent'
  | 'inspectionUsedPercentThreshold'
  | 'xaiInferenceProbe'
>;

const failed = (detail: string): ProbeOutcome => ({
  result: 'error',
  httpStatus: null,
  detail,
  windows: [],
  resetAtMs: null,
  expired: false,
  plan: null,
});

/** A failure worth another attempt: CPA unreachable, upstream 5xx, or a plain rate limit. */
const transient = (o: ProbeOutcome): boolean =>
  o.result === 'error' && (o.httpStatus === null || o.httpStatus >= 500 || o.httpStatus === 429);

function withAgent(req: ProbeRequest, userAgent: string): ProbeRequest {
  if (!userAgent) return req;
  const header: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.header)) if (k.toLowerCase() !== 'user-agent') header[k] = v;
  header['User-Agent'] = userAgent;
  return { ...req, header };
}

async function call(
  cpa: PoolCpa,
  authIndex: string,
  req: ProbeRequest,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<{ statusCode: number; body: string }> {
  const timeout = AbortSignal.timeout(timeoutMs);
  return cpa.apiCall({ authIndex, ...req }, AbortSignal.any([signal, timeout]));
}

/** Runs `attempt` up to 1 + retries times while its outcome is transient. */
async function withRetries(
  retries: number,
  signal: AbortSignal,
  attempt: () => Promise<ProbeOutcome>,
): Promise<ProbeOutcome> {
  let out = await attempt();
  for (let i = 0; i < retries && transient(out) && !signal.aborted; i++) out = await attempt();
  return out;
}

export async function runProbe(
  cpa: PoolCpa,
  acc: { authIndex: string; provider: string; chatgptAccountId: string | null },
  policy: RunnerPolicy,
  signal: AbortSignal,
  now: () => number,
  ctx: ProbeContext = {},
): Promise<ProbeOutcome | null> {
  const base = probeRequest(acc.provider, acc.chatgptAccountId, ctx);
  if (!base) return null;
  const req = withAgent(base, policy.inspectionUserAgent);
  const once = async (
    r: ProbeRequest,
    classify: (status: number, body: string) => ProbeOutcome,
  ): Promise<ProbeOutcome> => {
    try {
      const res = await call(cpa, acc.authIndex, r, policy.inspectionTimeoutMs, signal);
      return classify(res.statusCode, res.body);
    } catch (err) {
      if (signal.aborted) throw err;
      return failed(`CPA api-call failed: ${(err as Error).message.slice(0, 300)}`);
    }
  };
  let outcome = await withRetries(policy.inspectionRetries, signal, () =>
    once(req, (s, b) => classifyProbe(acc.provider, s, b, now())),
  );
  outcome = applyThreshold(outcome, policy.inspectionUsedPercentThreshold);
  if (
    acc.provider === 'xai' &&
    policy.xaiInferenceProbe &&
    (outcome.result === 'ok' || outcome.result === 'error')
  ) {
    const inf = withAgent(xaiInferenceRequest(ctx), policy.inspectionUserAgent);
    const billing = outcome;
    const verdict = await withRetries(policy.inspectionRetries, signal, () =>
      once(inf, (status, body) => {
        if (status >= 200 && status < 300) {
          return xaiInferenceHealthy(body)
            ? {
                ...billing,
                result: 'ok',
                httpStatus: status,
                detail: `${billing.result === 'ok' ? billing.detail : 'billing unavailable'}; inference OK`,
              }
            : {
                ...failed('xAI inference answered without a completed output (protocol changed?)'),
                httpStatus: status,
                windows: billing.windows,
              };
        }
        return xaiFailureOutcome(status, body, now(), billing.windows);
      }),
    );
    outcome = verdict;
  }
  return outcome;
}

/**
 * The policy's used-% threshold: an answer whose fullest window is at or above it counts as exhausted,
 * back when that window resets (Plus's usedPercentThreshold; 100 = only a full window).
 */
export function applyThreshold(o: ProbeOutcome, threshold: number): ProbeOutcome {
  if (o.result !== 'ok' || threshold >= 100) return o;
  const over = o.windows.filter((w) => (w.usedPercent ?? 0) >= threshold);
  if (over.length === 0) return o;
  const resets = over.map((w) => w.resetAtMs).filter((r): r is number => r !== null);
  return {
    ...o,
    result: 'exhausted',
    resetAtMs: resets.length ? Math.max(...resets) : null,
    detail: `used at or above ${threshold} % (${over.map((w) => `${w.window} ${w.usedPercent}%`).join(', ')})`,
  };
}
