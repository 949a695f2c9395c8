// Messages of the pool-intelligence work (forecast verdicts, alert acknowledge / mute); English is the reference.
type T = { time: string };
type W = { window: string };
export const poolIntelEn = {
  verdict: {
    safe: 'Safe',
    watch: 'Watch',
    'at-risk': 'At risk',
    empty: 'Empty',
    'no-data': 'No data yet',
  } as Record<string, string>,
  reason: {
    idle: 'Safe: no quota is being used.',
    resetFirst: (p: W & { reset: string; dry: string }) => `The ${p.window} quota resets ${p.reset}, before it would run dry (${p.dry}).`,
    runsDry: (p: W & T & { reset: string }) => `Runs dry ${p.time} at the current pace, before the ${p.window} reset ${p.reset}.`,
    runsDryNoReset: (p: T) => `Runs dry ${p.time} at the current pace; no reset is known.`,
    empty: (p: W & { until: string }) => `Empty until ${p.until}, when the first ${p.window} quota resets.`,
    emptyNoReset: 'Empty: every account has used its quota and no reset is known.',
    noUsable: (p: { until: string }) => `Empty until ${p.until}: no account can serve.`,
    noUsableNoReset: 'Empty: no account can serve.',
  },
  emptyUntil: (p: T) => `empty until ${p.time}`,
};
export type PoolIntelMessages = typeof poolIntelEn;
