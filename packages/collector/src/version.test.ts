import { describe, expect, it } from 'vitest';
import { transportSupported } from './version';

describe('transportSupported (via @cpamp/sdk-cpa supportsFeature)', () => {
  it('follows the CPA timeline', () => {
    expect(transportSupported('7.0.6', 'subscribe')).toBe(false);
    expect(transportSupported('7.0.7', 'subscribe')).toBe(true);
    expect(transportSupported('v7.1.17', 'subscribe')).toBe(false);
    expect(transportSupported('7.1.17', 'resp-pop')).toBe(false);
    expect(transportSupported('7.1.17', 'http')).toBe(true);
    expect(transportSupported('6.10.7', 'http')).toBe(false);
    expect(transportSupported('6.10.8', 'http')).toBe(true);
    expect(transportSupported('6.9.38', 'resp-pop')).toBe(true);
    expect(transportSupported('6.9.37', 'resp-pop')).toBe(false);
  });
  it('assumes support for an unknown or unparseable version (auto mode then probes)', () => {
    expect(transportSupported(null, 'subscribe')).toBe(true);
    expect(transportSupported('dev', 'http')).toBe(true);
    expect(transportSupported('unknown', 'resp-pop')).toBe(true);
  });
});
