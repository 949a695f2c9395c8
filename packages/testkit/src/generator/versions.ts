/** Which record fields a CPA version emits (docs/design.md, "Version timeline"). */

export interface RecordFeatures {
  alias: boolean; // v6.10.7
  fail: boolean; // v7.0.0
  cacheTokenFields: boolean; // v7.0.3: cache_read_tokens / cache_creation_tokens
  responseHeaders: boolean; // v7.1.13
  reasoningEffort: boolean; // v7.1.18
  ttft: boolean; // v7.1.24
  executorType: boolean; // v7.1.38
  serviceTier: boolean; // v7.1.39
  responseServiceTier: boolean; // v7.2.65
  cacheReadPresent: boolean; // v7.2.74
  generate: boolean; // v7.2.78
  tokenBreakdown: boolean; // v7.2.97: accounting_version + token_breakdown
  clientMeta: boolean; // v7.2.104: client_ip, x_forwarded_for, user_agent
  accessTokenHash: boolean; // v7.2.111
}

/** Parses 'v7.2.140' / '7.2.140' into a comparable triple; throws on anything else. */
export function parseVersion(version: string): [number, number, number] {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version.trim());
  if (!m) {
    throw new RangeError(
      `generator: cpaVersion '${version}' is not a CPA version; pass e.g. cpaVersion: '7.2.140'`,
    );
  }
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

function atLeast(v: [number, number, number], min: [number, number, number]): boolean {
  for (let i = 0; i < 3; i++) {
    if (v[i]! !== min[i]!) return v[i]! > min[i]!;
  }
  return true;
}

export function recordFeatures(version: string): RecordFeatures {
  const v = parseVersion(version);
  return {
    alias: atLeast(v, [6, 10, 7]),
    fail: atLeast(v, [7, 0, 0]),
    cacheTokenFields: atLeast(v, [7, 0, 3]),
    responseHeaders: atLeast(v, [7, 1, 13]),
    reasoningEffort: atLeast(v, [7, 1, 18]),
    ttft: atLeast(v, [7, 1, 24]),
    executorType: atLeast(v, [7, 1, 38]),
    serviceTier: atLeast(v, [7, 1, 39]),
    responseServiceTier: atLeast(v, [7, 2, 65]),
    cacheReadPresent: atLeast(v, [7, 2, 74]),
    generate: atLeast(v, [7, 2, 78]),
    tokenBreakdown: atLeast(v, [7, 2, 97]),
    clientMeta: atLeast(v, [7, 2, 104]),
    accessTokenHash: atLeast(v, [7, 2, 111]),
  };
}
