import { describe, expect, it } from 'vitest';
import { hrefFor, parseHash } from './routes';

describe('hash routes', () => {
  it('parses route and query, defaulting to the dashboard', () => {
    expect(parseHash('#/auth-files?provider=codex').route).toBe('auth-files');
    expect(parseHash('#/auth-files?provider=codex').query.get('provider')).toBe('codex');
    expect(parseHash('').route).toBe('dashboard');
    expect(parseHash('#/nope').route).toBe('dashboard');
  });

  it('builds hrefs that round-trip', () => {
    expect(hrefFor('dashboard')).toBe('#/');
    expect(parseHash(hrefFor('config', { tab: 'source' })).query.get('tab')).toBe('source');
  });
});
