import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../src/index';

let store: Store;
afterEach(async () => {
  await store?.close();
});

describe('alert silences (migration 0011)', () => {
  it('acks once, mutes until a time or for good, forgets expired mutes', async () => {
    let t = 1_000;
    store = await openStore({ path: ':memory:', now: () => t });
    const a = await store.alertSilences.ack(7, 'seen');
    expect(await store.alertSilences.ack(7)).toEqual(a);
    const m1 = await store.alertSilences.mute({ scope: 'rule', targetId: 3, untilMs: 5_000 });
    await store.alertSilences.mute({ scope: 'incident', targetId: 9, untilMs: null, note: 'known' });
    expect(
      (await store.alertSilences.active(t)).map((s) => [s.kind, s.scope, s.targetId, s.untilMs]),
    ).toEqual([
      ['ack', 'incident', 7, null],
      ['mute', 'rule', 3, 5_000],
      ['mute', 'incident', 9, null],
    ]);
    t = 5_000;
    expect((await store.alertSilences.active(t)).some((s) => s.id === m1.id)).toBe(false);
    expect(await store.alertSilences.pruneExpired(t)).toBe(1);
    expect(await store.alertSilences.unack(7)).toBe(true);
    expect(await store.alertSilences.unack(7)).toBe(false);
    expect((await store.alertSilences.active(t)).map((s) => s.targetId)).toEqual([9]);
  });
});
