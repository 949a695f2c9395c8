// Preloaded into the bench server (NODE_OPTIONS=--import …) by rss-breakdown.mts: on SIGUSR2 it writes the
// process's memory figures (V8 heap, external / array buffers, /proc smaps_rollup) to $CPAMP_MEM_PROBE_OUT.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { setInterval } from 'node:timers';
import v8 from 'node:v8';
const out = process.env.CPAMP_MEM_PROBE_OUT;
const kb = (text, name) => {
  const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
  return m ? Math.round(Number(m[1]) / 1024) : null;
};
// CPAMP_MEM_PROBE_V8FLAGS: V8 flags set at run time before the server loads (what-if measurements).
if (process.env.CPAMP_MEM_PROBE_V8FLAGS) v8.setFlagsFromString(process.env.CPAMP_MEM_PROBE_V8FLAGS);
let snaps = 0;
const figures = () => {
  const mb = (n) => Math.round(n / 1048576);
  const m = process.memoryUsage();
  const status = readFileSync('/proc/self/status', 'utf8');
  return { t: Math.round(process.uptime() * 1000), rssMb: mb(m.rss), rssAnonMb: kb(status, 'RssAnon'), heapUsedMb: mb(m.heapUsed), heapTotalMb: mb(m.heapTotal), arrayBuffersMb: mb(m.arrayBuffers), mallocedMb: mb(v8.getHeapStatistics().malloced_memory) };
};
// CPAMP_MEM_PROBE_EVERY_MS + CPAMP_MEM_PROBE_TRACE=<dir>: one JSON line of figures per period to <dir>/trace-<pid>.jsonl.
if (process.env.CPAMP_MEM_PROBE_EVERY_MS && process.env.CPAMP_MEM_PROBE_TRACE) {
  const file = `${process.env.CPAMP_MEM_PROBE_TRACE}/trace-${process.pid}.jsonl`;
  setInterval(() => appendFileSync(file, `${JSON.stringify(figures())}\n`), Number(process.env.CPAMP_MEM_PROBE_EVERY_MS)).unref();
}
// CPAMP_MEM_PROBE_SMAPS=1: the resident anonymous memory by kind of mapping (what holds the native memory):
// [heap] = glibc's main arena, 64 MB-aligned regions = its thread arenas, V8's heap and array buffers the rest.
const anonMappings = () => {
  const out = {};
  const big = [];
  let cur = null;
  let size = 0;
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ (\d+)\s*(.*)$/.exec(line);
    if (m) {
      size = (parseInt(m[2], 16) - parseInt(m[1], 16)) / 1048576;
      const name = m[4] || (m[3] === '0' ? 'anon' : 'file');
      cur = name.startsWith('/') ? null : `${name} ${size >= 64 ? '>=64M' : size >= 1 ? '1-64M' : '<1M'}`;
      continue;
    }
    const r = /^Rss:\s+(\d+) kB/.exec(line);
    if (r && cur) {
      out[cur] = (out[cur] ?? 0) + Number(r[1]) / 1024;
      if (Number(r[1]) >= 2048) big.push(`${Math.round(size)}M:${Math.round(Number(r[1]) / 1024)}`);
    }
  }
  out.largest = big.join(' ');
  for (const k of Object.keys(out)) if (typeof out[k] === 'number') out[k] = Math.round(out[k]);
  return out;
};
if (out)
  process.on('SIGUSR2', () => {
    // CPAMP_MEM_PROBE_HEAP=<dir>: also a V8 heap snapshot per signal (slow; for finding what the heap holds).
    if (process.env.CPAMP_MEM_PROBE_HEAP) v8.writeHeapSnapshot(`${process.env.CPAMP_MEM_PROBE_HEAP}/probe-${++snaps}.heapsnapshot`);
    const mb = (n) => Math.round(n / 1048576);
    const m = process.memoryUsage();
    const h = v8.getHeapStatistics();
    const status = readFileSync('/proc/self/status', 'utf8');
    const rollup = readFileSync('/proc/self/smaps_rollup', 'utf8');
    const spaces = {};
    for (const s of v8.getHeapSpaceStatistics()) spaces[s.space_name] = mb(s.space_size);
    writeFileSync(
      out,
      JSON.stringify({
        rssMb: mb(m.rss),
        rssAnonMb: kb(status, 'RssAnon'),
        rssFileMb: kb(status, 'RssFile'),
        heapUsedMb: mb(m.heapUsed),
        heapTotalMb: mb(m.heapTotal),
        externalMb: mb(m.external),
        arrayBuffersMb: mb(m.arrayBuffers),
        mallocedMb: mb(h.malloced_memory),
        peakMallocedMb: mb(h.peak_malloced_memory),
        spaces,
        anonymousMb: kb(rollup, 'Anonymous'),
        ...(process.env.CPAMP_MEM_PROBE_SMAPS && { mappings: anonMappings() }),
      }),
    );
  });
