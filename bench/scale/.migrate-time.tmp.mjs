import { openStore } from '@cpamp/store';
const t = performance.now();
const s = await openStore({ path: process.argv[2], dataKey: 'ab'.repeat(32), cacheSnapshot: false, columnCache: false, migrationBackup: false });
console.log(JSON.stringify({ openWithMigrationMs: Math.round(performance.now() - t), rssMb: Math.round(process.memoryUsage().rss / 2 ** 20) }));
await s.close();
