/**
 * generateUsage: the deterministic benchmark / demo data set (docs/design.md, "The benchmark data set") as a
 * lazy iterable of CPA
 * usage records (oldest first). Nothing is materialised: start times come from a bucketed timeline,
 * each request's attempts are drawn on the fly, and only retries not yet due wait in a tiny heap.
 */
import { buildAccountPool } from './accounts';
import { ENDPOINTS, FAMILIES, FAMILY_SHARES, MODEL_CATALOG, type ModelSpec } from './catalog';
import { buildClientKeys, type ClientKey } from './clients';
import { drawFailure, type Failure } from './failures';
import { PendingQueue } from './pending-queue';
import { Prng, WeightedPicker, seedToInt, zipfWeights } from './prng';
import { buildRecord, type AttemptSpec, type RequestSpec } from './record';
import { claudeHeaders, codexHeaders } from './response-headers';
import { Timeline } from './timeline';
import { TimestampFormatter } from './timestamp';
import { failedTokens, legacyTokens, completeBreakdown, successTokens, type AttemptTokens } from './tokens';
import type { CpaUsageRecord, GenerateUsageOptions, GeneratedAccount, ProviderFamily } from './types';
import { recordFeatures, type RecordFeatures } from './versions';

/** Default end of the window: fixed (not "now") so the default data set is reproducible. */
export const DEFAULT_END_MS = Date.UTC(2026, 7, 22, 16, 0, 0);
export const LATEST_CPA_VERSION = '7.2.140';

/** Share of failed attempts that CPA retries on another credential of the same provider. */
const RETRY_SHARE = 0.6;
const MAX_ATTEMPTS = 3;
/** Deliberate reuse of a recent request_id by an unrelated request (8 hex ids do collide in real data). */
const REQUEST_ID_REUSE = 0.0003;
/** Codex image-generation tool usage: an additional-model record sharing the request_id. */
const ADDITIONAL_MODEL_SHARE = 0.002;
const TOKENS_PER_SECOND: Record<ProviderFamily, number> = {
  codex: 75,
  claude: 55,
  gemini: 130,
  'openai-compatible': 60,
};
const CODEX_EFFORTS = new WeightedPicker(['minimal', 'low', 'medium', 'high', 'xhigh'], [4, 15, 50, 26, 5]);
const GEMINI_EFFORTS = new WeightedPicker(['', 'low', 'high'], [35, 20, 45]);
const CLAUDE_EFFORTS = new WeightedPicker(['low', 'medium', 'high'], [20, 40, 40]);

interface Group {
  accounts: GeneratedAccount[];
  picker: WeightedPicker<GeneratedAccount>;
}

interface RequestState {
  spec: RequestSpec;
  family: ProviderFamily;
  group: Group;
  thinks: boolean;
}

interface Scheduled {
  request: RequestState;
  account: GeneratedAccount;
  attemptNo: number;
  /** Set for an additional-model record (Codex image generation) instead of a retry. */
  additionalModel?: string;
}

function makeGroup(accounts: GeneratedAccount[]): Group {
  return { accounts, picker: new WeightedPicker(accounts, zipfWeights(accounts.length, 0.8)) };
}

/** The first `n` models, taking the most popular of each family in turn so every family keeps some. */
export function selectModels(n: number): ModelSpec[] {
  const byFamily = FAMILIES.map((f) => MODEL_CATALOG.filter((m) => m.family === f));
  const out: ModelSpec[] = [];
  for (let rank = 0; out.length < n; rank++) {
    let added = false;
    for (const list of byFamily) {
      const model = list[rank];
      if (model && out.length < n) {
        out.push(model);
        added = true;
      }
    }
    if (!added) break;
  }
  return out;
}

interface Resolved {
  seedInt: number;
  seed: number | string;
  events: number;
  startMs: number;
  endMs: number;
  keys: number;
  accounts: number;
  models: number;
  failureRate: number;
  features: RecordFeatures;
  isLatest: boolean;
}

function resolve(o: GenerateUsageOptions): Resolved {
  const fail = (what: string): never => {
    throw new RangeError(`generateUsage: ${what}`);
  };
  if (o === null || typeof o !== 'object')
    fail('options object required, e.g. { seed: 1, events: 1000, days: 30 }');
  if (typeof o.seed !== 'number' && typeof o.seed !== 'string')
    fail(`seed must be a number or string (got ${typeof o.seed})`);
  if (!Number.isInteger(o.events) || o.events < 0)
    fail(`events must be a non-negative integer (got ${String(o.events)})`);
  if (!(typeof o.days === 'number' && Number.isFinite(o.days) && o.days > 0))
    fail(`days must be a positive number (got ${String(o.days)})`);
  const endMs = o.end === undefined ? DEFAULT_END_MS : o.end instanceof Date ? o.end.getTime() : o.end;
  if (!Number.isFinite(endMs)) fail(`end must be a valid Date or epoch milliseconds (got ${String(o.end)})`);
  const models = o.models ?? MODEL_CATALOG.length;
  if (!Number.isInteger(models) || models < 1 || models > MODEL_CATALOG.length) {
    fail(`models must be an integer between 1 and ${MODEL_CATALOG.length} (got ${String(models)})`);
  }
  const failureRate = o.failureRate ?? 0.03;
  if (!(failureRate >= 0 && failureRate <= 1))
    fail(`failureRate must be between 0 and 1 (got ${String(failureRate)})`);
  const version = o.cpaVersion ?? LATEST_CPA_VERSION;
  const features = recordFeatures(version);
  const end = Math.floor(endMs);
  return {
    seedInt: seedToInt(o.seed),
    seed: o.seed,
    events: o.events,
    startMs: end - Math.round(o.days * 86_400_000),
    endMs: end,
    keys: o.keys ?? 200,
    accounts: o.accounts ?? 2000,
    models,
    failureRate,
    features,
    isLatest: Object.values(features).every(Boolean),
  };
}

function* run(o: Resolved): Generator<CpaUsageRecord, void, undefined> {
  const rng = new Prng(o.seedInt, 'usage');
  const timeline = new Timeline(new Prng(o.seedInt, 'timeline'), o.events, o.startMs, o.endMs);
  const fmt = new TimestampFormatter();
  const pool = buildAccountPool(o.seed, o.accounts);
  const keys = buildClientKeys(o.seed, o.keys);
  const keyPicker = new WeightedPicker<ClientKey>(keys, zipfWeights(keys.length, 1.0));
  const models = selectModels(o.models);

  const familyGroups = new Map<ProviderFamily, Group>();
  const entryGroups = new Map<string, Group>();
  for (const family of FAMILIES) {
    const accounts = pool.filter((a) => a.family === family);
    if (accounts.length > 0) familyGroups.set(family, makeGroup(accounts));
  }
  for (const model of models) {
    if (model.entry && !entryGroups.has(model.entry)) {
      const accounts = pool.filter((a) => a.provider === model.entry);
      if (accounts.length > 0) entryGroups.set(model.entry, makeGroup(accounts));
    }
  }
  const modelPickers = new Map<ProviderFamily, WeightedPicker<ModelSpec>>();
  for (const family of FAMILIES) {
    const list = models.filter((m) => m.family === family);
    if (list.length > 0) modelPickers.set(family, new WeightedPicker(list, zipfWeights(list.length, 1.1)));
  }
  const usable = FAMILIES.filter((f) => familyGroups.has(f) && modelPickers.has(f));
  if (usable.length === 0) return;
  const familyPicker = new WeightedPicker(
    usable,
    usable.map((f) => FAMILY_SHARES[FAMILIES.indexOf(f)] as number),
  );

  const recentIds: string[] = [];
  let recentPos = 0;
  const pending = new PendingQueue<Scheduled>();

  const newRequestId = (): string => {
    if (recentIds.length > 16 && rng.chance(REQUEST_ID_REUSE))
      return recentIds[rng.int(0, recentIds.length - 1)] as string;
    const id = rng.hex(8);
    if (recentIds.length < 256) recentIds.push(id);
    else recentIds[recentPos] = id;
    recentPos = (recentPos + 1) & 255;
    return id;
  };

  const newRequest = (): { request: RequestState; account: GeneratedAccount } => {
    const key = keyPicker.pick(rng);
    const family = familyPicker.pick(rng);
    const model = (modelPickers.get(family) as WeightedPicker<ModelSpec>).pick(rng);
    const familyGroup = familyGroups.get(family) as Group;
    const group = model.entry ? (entryGroups.get(model.entry) ?? familyGroup) : familyGroup;
    const account = group.picker.pick(rng);
    const userAgent = key.userAgents[family];
    let endpoint: string;
    if (key.style === 'script' && rng.chance(0.75)) endpoint = ENDPOINTS.chat;
    else if (family === 'codex') endpoint = ENDPOINTS.responses;
    else if (family === 'claude') endpoint = ENDPOINTS.messages;
    else if (family === 'gemini') endpoint = ENDPOINTS.geminiNative;
    else endpoint = ENDPOINTS.chat;
    const openAiFormat = endpoint === ENDPOINTS.chat || endpoint === ENDPOINTS.responses;
    let effort = '';
    let thinks = model.reasoning;
    if (family === 'codex') {
      if (model.reasoning) effort = CODEX_EFFORTS.pick(rng);
    } else if (family === 'claude') {
      thinks = model.reasoning && rng.chance(0.4);
      if (thinks) effort = CLAUDE_EFFORTS.pick(rng);
    } else if (family === 'gemini') {
      if (model.reasoning) effort = GEMINI_EFFORTS.pick(rng);
    } else if (model.reasoning && rng.chance(0.3)) {
      effort = 'medium';
    }
    let serviceTier = openAiFormat ? 'auto' : endpoint === ENDPOINTS.messages ? 'default' : '';
    if (family === 'codex' && key.style === 'cli') {
      const r = rng.next();
      if (r < 0.05) serviceTier = 'priority';
      else if (r < 0.08) serviceTier = 'flex';
    }
    const generate = !(family === 'codex' && endpoint === ENDPOINTS.responses && rng.chance(0.02));
    const spec: RequestSpec = {
      key,
      clientIp: key.clientIps.length === 1 ? (key.clientIps[0] as string) : rng.pick(key.clientIps),
      userAgent,
      model: model.id,
      alias: model.alias !== model.id && rng.chance(0.6) ? model.alias : model.id,
      endpoint,
      requestId: newRequestId(),
      reasoningEffort: effort,
      serviceTier,
      generate,
    };
    return { request: { spec, family, group, thinks }, account };
  };

  const latencyOf = (
    family: ProviderFamily,
    t: AttemptTokens,
    generate: boolean,
  ): { latency: number; ttft: number } => {
    if (!generate) {
      const ttft = Math.round(rng.logNormal(220, 0.4));
      return { ttft, latency: ttft + rng.int(5, 40) };
    }
    const input = t.total - t.outputAndReasoning;
    const ttft = Math.round(rng.logNormal(450 + input / 200, 0.45));
    const tps = rng.logNormal(TOKENS_PER_SECOND[family], 0.35);
    let latency = ttft + Math.round((t.outputAndReasoning / tps) * 1000) + rng.int(5, 60);
    if (rng.chance(0.01)) latency = Math.round(latency * rng.range(2, 8)); // long tail: slow upstream
    return { ttft, latency };
  };

  const headersFor = (
    family: ProviderFamily,
    account: GeneratedAccount,
    startMicros: number,
    failure: Failure | null,
  ): Record<string, string[]> | null => {
    if (!o.features.responseHeaders) return null;
    const quota = failure !== null && failure.status === 429;
    const startSec = Math.floor(startMicros / 1_000_000);
    if (family === 'codex' && account.authType === 'oauth' && (quota || rng.chance(0.35))) {
      return codexHeaders(account, startSec, quota ? (failure as Failure).resetsInSeconds : 0);
    }
    if (family === 'claude' && (quota || rng.chance(0.3))) {
      return claudeHeaders(account, startSec, quota ? (failure as Failure).resetsInSeconds : 0);
    }
    return null;
  };

  const otherAccount = (group: Group, current: GeneratedAccount): GeneratedAccount => {
    const pick = group.picker.pick(rng);
    if (pick !== current) return pick;
    const i = group.accounts.indexOf(current);
    return group.accounts[(i + 1) % group.accounts.length] as GeneratedAccount;
  };

  const attempt = (
    req: RequestState,
    account: GeneratedAccount,
    startMicros: number,
    attemptNo: number,
  ): CpaUsageRecord => {
    const family = req.family;
    const spec = req.spec;
    let failure: Failure | null = null;
    let tokens: AttemptTokens;
    let latency: number;
    let ttft: number;
    let responseServiceTier = '';
    if (rng.next() < o.failureRate) {
      failure = drawFailure(rng, family, account.planType);
      tokens = failedTokens(family);
      latency = failure.latencyMs;
      ttft = 0;
    } else {
      tokens = successTokens(rng, family, spec.reasoningEffort, req.thinks, spec.generate);
      ({ latency, ttft } = latencyOf(family, tokens, spec.generate));
      if (family === 'codex')
        responseServiceTier =
          spec.serviceTier === 'priority' || spec.serviceTier === 'flex' ? spec.serviceTier : 'default';
      else if (family === 'claude' && rng.chance(0.7)) responseServiceTier = 'standard';
    }
    const a: AttemptSpec = {
      request: spec,
      account,
      startMicros,
      nanos: rng.int(0, 999),
      latencyMs: latency,
      ttftMs: ttft,
      tokens,
      failure,
      responseHeaders: headersFor(family, account, startMicros, failure),
      responseServiceTier,
    };
    if (
      failure &&
      failure.retryable &&
      attemptNo < MAX_ATTEMPTS &&
      req.group.accounts.length > 1 &&
      rng.chance(RETRY_SHARE)
    ) {
      const next = otherAccount(req.group, account);
      pending.push(startMicros + latency * 1000 + rng.int(2_000, 400_000), {
        request: req,
        account: next,
        attemptNo: attemptNo + 1,
      });
    } else if (
      !failure &&
      family === 'codex' &&
      spec.generate &&
      spec.model !== 'gpt-image-1' &&
      rng.chance(ADDITIONAL_MODEL_SHARE)
    ) {
      pending.push(startMicros, { request: req, account, attemptNo, additionalModel: 'gpt-image-1' });
    }
    return buildRecord(a, fmt, o.features, o.isLatest);
  };

  const additional = (s: Scheduled, startMicros: number): CpaUsageRecord => {
    const b = {
      uncached: rng.int(20, 400),
      cacheRead: 0,
      cacheWrite: 0,
      output: rng.pick([272, 1056, 1584, 4160]),
      reasoning: 0,
    };
    const legacy = legacyTokens(b, 'subset');
    const latency = Math.round(rng.logNormal(18_000, 0.4));
    return buildRecord(
      {
        request: s.request.spec,
        account: s.account,
        startMicros,
        nanos: rng.int(0, 999),
        latencyMs: latency,
        ttftMs: Math.round(latency * rng.range(0.5, 0.9)),
        tokens: {
          tokens: legacy,
          breakdown: completeBreakdown(b),
          total: legacy.total_tokens,
          outputAndReasoning: b.output,
        },
        failure: null,
        responseHeaders: null,
        responseServiceTier: 'default',
        model: s.additionalModel as string,
      },
      fmt,
      o.features,
      o.isLatest,
    );
  };

  for (;;) {
    const slot = timeline.next();
    if (slot < 0) return;
    if (pending.peekTime() <= slot) {
      // A due retry takes this slot, so the total stays exact and start times stay in order.
      const p = pending.pop()!;
      const s = p.value;
      yield s.additionalModel ? additional(s, p.time) : attempt(s.request, s.account, p.time, s.attemptNo);
      continue;
    }
    const { request, account } = newRequest();
    yield attempt(request, account, slot, 1);
  }
}

/**
 * Lazy, deterministic usage records exactly as CPA emits them: same options ⇒ byte-identical records.
 * Each iteration starts over from the beginning. Options are validated when called.
 */
export function generateUsage(options: GenerateUsageOptions): Iterable<CpaUsageRecord> {
  const resolved = resolve(options);
  // Fail early (not at first next()) on bad pool sizes.
  if (!Number.isInteger(resolved.keys) || resolved.keys < 1) buildClientKeys(resolved.seed, resolved.keys);
  if (!Number.isInteger(resolved.accounts) || resolved.accounts < 1)
    buildAccountPool(resolved.seed, resolved.accounts);
  return { [Symbol.iterator]: () => run(resolved) };
}
