// CPA version parsing and the feature table (docs/design.md, "Version timeline"). Pure: no I/O here.

export interface CpaServerVersion {
  /** X-CPA-VERSION as sent, e.g. "v7.2.140", "7.2.140" or "dev"; null when CPA sent none. */
  version: string | null;
  commit: string | null;
  buildDate: string | null;
  /** X-CPA-SUPPORT-PLUGIN; null when absent. */
  supportsPlugin: boolean | null;
}

export type CpaFeature =
  | 'http-usage-queue'
  | 'resp-pop'
  | 'resp-subscribe'
  | 'usage-refresh-control'
  | 'errors-channel'
  | 'token-breakdown';

type Triple = readonly [number, number, number];

interface FeatureRule {
  min: Triple;
  /** Versions where the feature was switched off again (v7.1.17 stubbed RESP out). */
  broken?: readonly Triple[];
}

const FEATURES: Record<CpaFeature, FeatureRule> = {
  'http-usage-queue': { min: [6, 10, 8] },
  'resp-pop': { min: [6, 9, 38], broken: [[7, 1, 17]] },
  'resp-subscribe': { min: [7, 0, 7], broken: [[7, 1, 17]] },
  'usage-refresh-control': { min: [7, 1, 39] },
  'errors-channel': { min: [7, 1, 44] },
  'token-breakdown': { min: [7, 2, 97] },
};

export const CPA_FEATURES: readonly CpaFeature[] = Object.keys(FEATURES) as CpaFeature[];

export interface ParsedVersion {
  major: number;
  minor: number;
  patch: number;
  /** Semver pre-release part ("rc.1"); empty for a release. */
  prerelease: string;
}

/**
 * Parses "v7.2.140", "7.2.140", "7.2", "7.2.140-rc.1", "7.2.140+meta".
 * `git describe` output such as "v7.2.140-3-gabc1234" counts as the tag it follows.
 * Returns null for anything else ("dev", "", "unknown").
 */
export function parseCpaVersion(input: string | null | undefined): ParsedVersion | null {
  if (!input) return null;
  const m = /^\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?\s*$/.exec(input);
  if (!m) return null;
  const pre = m[4] ?? '';
  const describeSuffix = /^\d+-g[0-9a-f]+$/i.test(pre);
  return {
    major: Number(m[1]),
    minor: Number(m[2] ?? 0),
    patch: Number(m[3] ?? 0),
    prerelease: describeSuffix ? '' : pre,
  };
}

function comparePrerelease(a: string, b: string): number {
  if (a === b) return 0;
  if (a === '') return 1; // a release ranks above its pre-releases
  if (b === '') return -1;
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d+$/.test(x) ? Number(x) : NaN;
    const ny = /^\d+$/.test(y) ? Number(y) : NaN;
    if (!Number.isNaN(nx) && !Number.isNaN(ny)) {
      if (nx !== ny) return nx < ny ? -1 : 1;
    } else if (!Number.isNaN(nx)) return -1;
    else if (!Number.isNaN(ny)) return 1;
    else if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Semver order of two parsed versions: negative, 0 or positive. */
export function compareCpaVersions(a: ParsedVersion, b: ParsedVersion): number {
  return (
    a.major - b.major ||
    a.minor - b.minor ||
    a.patch - b.patch ||
    comparePrerelease(a.prerelease, b.prerelease)
  );
}

function isDevBuild(version: string): boolean {
  return /^\s*(dev|devel|development|main|master|head)\b/i.test(version);
}

/**
 * Whether a CPA of `version` has `feature`.
 * - null / unparseable → false (unknown version: assume nothing).
 * - "dev" builds are built from CPA's main branch → treated as newest (true).
 */
export function supportsFeature(version: string | null, feature: CpaFeature): boolean {
  const rule = FEATURES[feature];
  if (!rule) return false;
  if (version === null) return false;
  const parsed = parseCpaVersion(version);
  if (!parsed) return isDevBuild(version);
  const [major, minor, patch] = rule.min;
  if (compareCpaVersions(parsed, { major, minor, patch, prerelease: '' }) < 0) return false;
  for (const [bm, bn, bp] of rule.broken ?? []) {
    if (parsed.major === bm && parsed.minor === bn && parsed.patch === bp) return false;
  }
  return true;
}

type HeaderValue = string | string[] | undefined;

function first(value: HeaderValue): string | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined) return null;
  const t = v.trim();
  return t === '' ? null : t;
}

function parseBool(value: string | null): boolean | null {
  if (value === null) return null;
  const v = value.toLowerCase();
  if (v === 'true' || v === '1' || v === 'yes') return true;
  if (v === 'false' || v === '0' || v === 'no') return false;
  return null;
}

/** Reads CPA's version headers from a (lower-cased) header map; null when none is present. */
export function versionFromHeaders(headers: Record<string, HeaderValue>): CpaServerVersion | null {
  const version = first(headers['x-cpa-version']) ?? first(headers['x-server-version']);
  const commit = first(headers['x-cpa-commit']);
  const buildDate = first(headers['x-cpa-build-date']);
  const supportsPlugin = parseBool(first(headers['x-cpa-support-plugin']));
  if (version === null && commit === null && buildDate === null && supportsPlugin === null) return null;
  return { version, commit, buildDate, supportsPlugin };
}
