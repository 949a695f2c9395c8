// Tiny SVG path builders (instead of d3-shape): enough for our line, area and donut charts.
export type Pt = readonly [number, number];

export function linePath(points: readonly Pt[]): string {
  if (points.length === 0) return '';
  return points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`).join('');
}

export function areaPath(points: readonly Pt[], baseY: number): string {
  if (points.length === 0) return '';
  const first = points[0] as Pt;
  const last = points[points.length - 1] as Pt;
  return `${linePath(points)}L${last[0].toFixed(1)},${baseY.toFixed(1)}L${first[0].toFixed(1)},${baseY.toFixed(1)}Z`;
}

/** Annular sector centred on (0,0); angles in radians, 0 = 12 o'clock, clockwise. */
export function arcPath(r0: number, r1: number, a0: number, a1: number): string {
  // A full circle cannot be drawn by one arc command: split it.
  if (a1 - a0 >= Math.PI * 2 - 1e-6) {
    return arcPath(r0, r1, a0, a0 + Math.PI) + arcPath(r0, r1, a0 + Math.PI, a1);
  }
  const p = (r: number, a: number) => `${(r * Math.sin(a)).toFixed(2)},${(-r * Math.cos(a)).toFixed(2)}`;
  const large = a1 - a0 > Math.PI ? 1 : 0;
  return `M${p(r1, a0)}A${r1},${r1} 0 ${large} 1 ${p(r1, a1)}L${p(r0, a1)}A${r0},${r0} 0 ${large} 0 ${p(r0, a0)}Z`;
}

/** Cumulative start/end angles for donut segments (zero values get no segment). */
export function pieAngles(values: readonly number[], gap = 0.015): { a0: number; a1: number }[] {
  const total = values.reduce((s, v) => s + Math.max(0, v), 0);
  const out: { a0: number; a1: number }[] = [];
  let a = 0;
  const nonZero = values.filter((v) => v > 0).length;
  const g = nonZero > 1 ? gap : 0;
  for (const v of values) {
    const span = total > 0 ? (Math.max(0, v) / total) * Math.PI * 2 : 0;
    out.push({ a0: a + (span > 0 ? g / 2 : 0), a1: a + span - (span > 0 ? g / 2 : 0) });
    a += span;
  }
  return out;
}

/** Nice-ish upper bound for a y axis. */
export function niceMax(v: number): number {
  if (v <= 0) return 1;
  const exp = Math.pow(10, Math.floor(Math.log10(v)));
  const f = v / exp;
  const nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
  return nice * exp;
}

/** Every n-th index so that at most `max` labels are drawn. */
export function labelStep(count: number, max: number): number {
  return Math.max(1, Math.ceil(count / Math.max(1, max)));
}
