import { describe, expect, it } from 'vitest';
import { draftToParams, paramsToDraft, specsFor } from './rule-params';

describe('alert rule params', () => {
  it('gives new rules their defaults and edits existing params as text', () => {
    expect(paramsToDraft('quota-low', null)).toEqual({ remainingPercentBelow: '10', provider: '', window: '', authIndex: '', upstream: '' });
    expect(paramsToDraft('error-rate-spike', { errorRateAbove: 0.25 })).toMatchObject({ errorRateAbove: '25', minRequests: '' });
    expect(paramsToDraft('account-auth-issue', null)).toEqual({ issue: 'any', provider: '', authIndex: '', upstream: '' });
    expect(paramsToDraft('spend-threshold', { thresholdMicros: 12_500_000, periodHours: 24 })).toEqual({ thresholdMicros: '12.5', periodHours: '24', apiKeyHash: '' });
    expect(specsFor('unknown-kind')).toEqual([]);
  });

  it('builds params: numbers parsed, dollars to micros, empty optional fields left out, bad numbers reported', () => {
    expect(draftToParams('spend-threshold', { thresholdMicros: '12.5', periodHours: '168', apiKeyHash: ' ' })).toEqual({
      params: { thresholdMicros: 12_500_000, periodHours: 168 },
      invalid: [],
    });
    expect(draftToParams('quota-low', { remainingPercentBelow: 'ten', provider: 'codex' })).toEqual({ params: { provider: 'codex' }, invalid: ['remainingPercentBelow'] });
    expect(draftToParams('error-rate-spike', { errorRateAbove: '20', minRequests: '5', windowMinutes: '', apiKeyHash: '', provider: '' }).params).toEqual({ errorRateAbove: 0.2, minRequests: 5 });
    expect(draftToParams('account-auth-issue', { issue: 'banned', provider: '' }).params).toEqual({ issue: 'banned' });
    // Picked from a list: a key's hash and an account's auth_index go through as they are.
    expect(draftToParams('account-auth-issue', { issue: 'any', provider: '', authIndex: 'a1b2c3d4e5f60718' }).params).toEqual({ issue: 'any', authIndex: 'a1b2c3d4e5f60718' });
    expect(draftToParams('spend-threshold', { thresholdMicros: '1', periodHours: '', apiKeyHash: 'ab'.repeat(32) }).params).toEqual({ thresholdMicros: 1_000_000, apiKeyHash: 'ab'.repeat(32) });
  });

  it("sets or clears a rule's CPA (several CPAs): empty watches every CPA", () => {
    expect(paramsToDraft('collector-stalled', { afterMinutes: 5, upstream: 'east' })).toEqual({ afterMinutes: '5', upstream: 'east' });
    expect(draftToParams('cooldown-entered', { provider: '', authIndex: '', upstream: 'east' }).params).toEqual({ upstream: 'east' });
    expect(draftToParams('quota-low', { remainingPercentBelow: '5', upstream: '' }, { remainingPercentBelow: 10, upstream: 'east' }).params).toEqual({ remainingPercentBelow: 5 });
  });

  it('keeps params the form does not know about', () => {
    expect(draftToParams('quota-low', { remainingPercentBelow: '5', provider: '' }, { remainingPercentBelow: 10, futureKnob: 'x' }).params).toEqual({ futureKnob: 'x', remainingPercentBelow: 5 });
  });
});
