import { describe, expect, it } from 'vitest';
import {
  compareCpaVersions,
  parseCpaVersion,
  supportsFeature,
  versionFromHeaders,
  type CpaFeature,
} from './version';

describe('parseCpaVersion', () => {
  it('parses common shapes', () => {
    expect(parseCpaVersion('v7.2.140')).toEqual({ major: 7, minor: 2, patch: 140, prerelease: '' });
    expect(parseCpaVersion('7.2')).toEqual({ major: 7, minor: 2, patch: 0, prerelease: '' });
    expect(parseCpaVersion('7.2.140-rc.1')?.prerelease).toBe('rc.1');
    expect(parseCpaVersion('v7.2.140-3-gabc1234')?.prerelease).toBe('');
    expect(parseCpaVersion('7.2.140+build.5')?.patch).toBe(140);
  });
  it('returns null for non-versions', () => {
    for (const v of ['dev', '', null, undefined, 'unknown', '7.x']) expect(parseCpaVersion(v)).toBeNull();
  });
});

describe('compareCpaVersions', () => {
  const cmp = (a: string, b: string) =>
    Math.sign(compareCpaVersions(parseCpaVersion(a)!, parseCpaVersion(b)!));
  it('orders numerically, not lexically', () => {
    expect(cmp('6.10.8', '6.9.38')).toBe(1);
    expect(cmp('7.1.9', '7.1.17')).toBe(-1);
    expect(cmp('v7.2.140', '7.2.140')).toBe(0);
  });
  it('puts pre-releases before the release', () => {
    expect(cmp('7.2.97-rc.1', '7.2.97')).toBe(-1);
    expect(cmp('7.2.97-rc.2', '7.2.97-rc.10')).toBe(-1);
    expect(cmp('7.2.97-alpha', '7.2.97-1')).toBe(1);
  });
});

describe('supportsFeature', () => {
  const table: [string | null, CpaFeature, boolean][] = [
    ['6.10.7', 'http-usage-queue', false],
    ['6.10.8', 'http-usage-queue', true],
    ['v7.2.140', 'http-usage-queue', true],
    ['6.9.37', 'resp-pop', false],
    ['6.9.38', 'resp-pop', true],
    ['7.1.17', 'resp-pop', false],
    ['7.1.18', 'resp-pop', true],
    ['7.0.6', 'resp-subscribe', false],
    ['7.0.7', 'resp-subscribe', true],
    ['v7.1.17', 'resp-subscribe', false],
    ['7.1.38', 'usage-refresh-control', false],
    ['7.1.39', 'usage-refresh-control', true],
    ['7.1.43', 'errors-channel', false],
    ['7.1.44', 'errors-channel', true],
    ['7.2.96', 'token-breakdown', false],
    ['7.2.97', 'token-breakdown', true],
    ['7.2.97-rc.1', 'token-breakdown', false],
    ['8.0.0', 'token-breakdown', true],
    [null, 'http-usage-queue', false],
    ['garbage', 'http-usage-queue', false],
    ['dev', 'token-breakdown', true],
    ['dev', 'resp-subscribe', true],
  ];
  it.each(table)('%s %s → %s', (version, feature, expected) => {
    expect(supportsFeature(version, feature)).toBe(expected);
  });
  it('is false for an unknown feature name', () => {
    expect(supportsFeature('7.2.140', 'nope' as CpaFeature)).toBe(false);
  });
});

describe('versionFromHeaders', () => {
  it('reads all four headers', () => {
    expect(
      versionFromHeaders({
        'x-cpa-version': 'v7.2.140',
        'x-cpa-commit': 'a7e3596',
        'x-cpa-build-date': '2026-08-22',
        'x-cpa-support-plugin': 'true',
      }),
    ).toEqual({ version: 'v7.2.140', commit: 'a7e3596', buildDate: '2026-08-22', supportsPlugin: true });
  });
  it('null when none is present; partial headers keep nulls', () => {
    expect(versionFromHeaders({ 'content-type': 'application/json' })).toBeNull();
    expect(versionFromHeaders({ 'x-cpa-version': ['7.0.6'] })).toEqual({
      version: '7.0.6',
      commit: null,
      buildDate: null,
      supportsPlugin: null,
    });
  });
});
