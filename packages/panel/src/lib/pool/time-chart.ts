// Geometry for the pool's time charts (forecast and window history): x is time, y is a percentage.
// Past points draw solid, projected points dashed, joined at the last past point; a null value breaks the line.

export interface TimePoint {
  tMs: number;
  value: number | null;
  projected?: boolean;
}

export interface TimeLine {
  name: string;
  color: string;
  points: readonly TimePoint[];
}

export interface Frame {
  width: number;
  height: number;
  t0: number;
  t1: number;
  yMax: number;
}

export interface LinePaths {
  solid: string;
  dashed: string;
}

/** Time domain over every point and marker, padded when everything sits at one instant. */
export function timeDomain(lines: readonly TimeLine[], markers: readonly number[] = []): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const l of lines) {
    for (const p of l.points) {
      if (p.value === null) continue;
      if (p.tMs < lo) lo = p.tMs;
      if (p.tMs > hi) hi = p.tMs;
    }
  }
  if (lo === Infinity) return null;
  for (const m of markers) {
    if (m < lo) lo = m;
    if (m > hi) hi = m;
  }
  if (hi === lo) return [lo - 1_800_000, hi + 1_800_000];
  return [lo, hi];
}

export const xOf = (f: Frame, t: number): number => (f.t1 === f.t0 ? 0 : ((t - f.t0) / (f.t1 - f.t0)) * f.width);
export const yOf = (f: Frame, v: number): number => f.height - (Math.max(0, Math.min(f.yMax, v)) / f.yMax) * f.height;

const pt = (x: number, y: number, move: boolean) => `${move ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`;

/** Solid path for measured points, dashed path for projected ones (starting at the last measured point). */
export function linePaths(f: Frame, points: readonly TimePoint[]): LinePaths {
  const sorted = [...points].sort((a, b) => a.tMs - b.tMs);
  let solid = '';
  let dashed = '';
  let penSolid = false;
  let penDashed = false;
  let lastSolid: { x: number; y: number } | null = null;
  for (const p of sorted) {
    if (p.value === null) {
      penSolid = false;
      penDashed = false;
      lastSolid = null;
      continue;
    }
    const x = xOf(f, p.tMs);
    const y = yOf(f, p.value);
    if (p.projected) {
      if (!penDashed) {
        dashed += lastSolid ? pt(lastSolid.x, lastSolid.y, true) + pt(x, y, false) : pt(x, y, true);
        penDashed = true;
      } else dashed += pt(x, y, false);
      penSolid = false;
    } else {
      solid += pt(x, y, !penSolid);
      penSolid = true;
      penDashed = false;
      lastSolid = { x, y };
    }
  }
  return { solid, dashed };
}

/** About `count` evenly spaced tick times across the domain, rounded to whole minutes. */
export function timeTicks(t0: number, t1: number, count: number): number[] {
  if (!(t1 > t0) || count < 2) return [t0];
  const step = (t1 - t0) / (count - 1);
  return Array.from({ length: count }, (_, i) => Math.round((t0 + i * step) / 60_000) * 60_000);
}

/** Index of the point nearest to time `t` (for hover read-outs), or -1 when there is none. */
export function nearestIndex(points: readonly TimePoint[], t: number): number {
  let best = -1;
  let bestD = Infinity;
  points.forEach((p, i) => {
    if (p.value === null) return;
    const d = Math.abs(p.tMs - t);
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  });
  return best;
}

export interface PlacedMarker {
  x: number;
  label: string | null;
  anchor: 'start' | 'end';
}

/**
 * Marker positions inside the frame. Markers at (almost) the same time merge; a label flips to the left
 * near the right edge and is dropped when its estimated box would overlap the previous label.
 */
export function placeMarkers(f: Frame, markers: readonly { tMs: number; label: string }[], charPx = 6): PlacedMarker[] {
  const sorted = [...markers].sort((a, b) => a.tMs - b.tMs);
  const out: PlacedMarker[] = [];
  let lastRight = -Infinity;
  for (const m of sorted) {
    const x = xOf(f, m.tMs);
    if (x < -0.5 || x > f.width + 0.5) continue;
    const prev = out[out.length - 1];
    if (prev && x - prev.x < 2) continue;
    const w = m.label.length * charPx + 6;
    const anchor = x + w > f.width ? 'end' : 'start';
    const left = anchor === 'end' ? x - w : x;
    const fits = left >= lastRight + 4;
    if (fits) lastRight = anchor === 'end' ? x : x + w;
    out.push({ x, label: fits ? m.label : null, anchor });
  }
  return out;
}
