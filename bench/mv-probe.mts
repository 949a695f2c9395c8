
import { openStore } from '/work/wt/matrix-view/packages/store/src/index.ts';
const D = '/tmp/mv-probe';
const s = await openStore({ path: `${D}/cpamp.sqlite`, dataKeyPath: `${D}/data.key`});
const t0 = performance.now();
await (s as unknown as { warmCache(): Promise<void> }).warmCache();
console.log('warm', Math.round(performance.now() - t0), await s.analytics.engine());
const end = 1796614310137 + 1, DAY = 86400000;
const f = { from: end - 30 * DAY, to: end };
const p = { from: end - 60 * DAY, to: end - 30 * DAY };
const time = async (name: string, fn: () => Promise<unknown>) => {
  await fn();
  const ms: number[] = [];
  for (let i = 0; i < 7; i++) { const t = performance.now(); await fn(); ms.push(performance.now() - t); }
  ms.sort((a, b) => a - b);
  console.log(name.padEnd(40), 'p50', ms[3]!.toFixed(1), 'max', ms[6]!.toFixed(1));
};
await time('totals 30d', () => s.analytics.totals(f));
await time('totals prev', () => s.analytics.totals(p));
await time('series day', () => s.analytics.timeSeries(f, { granularity: 'day' }));
await time('series hour split10', () => s.analytics.timeSeries(f, { granularity: 'hour', splitTopModels: 10 }));
await time('series hour', () => s.analytics.timeSeries(f, { granularity: 'hour' }));
await time('breakdown key', () => s.analytics.breakdown(f, { by: 'key' }));
await time('matrix key', () => s.analytics.matrix(f, { by: 'key' }));
await time('matrix account', () => s.analytics.matrix(f, { by: 'account' }));
const r = await s.analytics.timeSeries(f, { granularity: 'hour', splitTopModels: 10 });
console.log('split json bytes', JSON.stringify(r).length, (await s.analytics.filterOptions(f)).models.length, 'models');
await s.close();
