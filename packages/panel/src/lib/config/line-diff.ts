export type DiffOp = { kind: 'same' | 'add' | 'del'; text: string; oldNo: number | null; newNo: number | null };

// Above this many LCS cells the middle part is shown as "all removed, all added" (still correct, just coarse).
const MAX_CELLS = 4_000_000;

/** Line diff by longest common subsequence after trimming the common head and tail. */
export function diffLines(before: string, after: string): DiffOp[] {
  const a = before.split('\n');
  const b = after.split('\n');
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const out: DiffOp[] = [];
  for (let i = 0; i < head; i++) out.push({ kind: 'same', text: a[i] as string, oldNo: i + 1, newNo: i + 1 });
  const am = a.slice(head, a.length - tail);
  const bm = b.slice(head, b.length - tail);
  out.push(...diffMiddle(am, bm, head));
  for (let k = tail; k > 0; k--) {
    const i = a.length - k;
    const j = b.length - k;
    out.push({ kind: 'same', text: a[i] as string, oldNo: i + 1, newNo: j + 1 });
  }
  return out;
}

function diffMiddle(a: string[], b: string[], offset: number): DiffOp[] {
  const n = a.length;
  const m = b.length;
  const out: DiffOp[] = [];
  if (n * m > MAX_CELLS) {
    a.forEach((text, i) => out.push({ kind: 'del', text, oldNo: offset + i + 1, newNo: null }));
    b.forEach((text, j) => out.push({ kind: 'add', text, oldNo: null, newNo: offset + j + 1 }));
    return out;
  }
  // lcs[i][j] = LCS length of a[i:] and b[j:], flattened.
  const w = m + 1;
  const lcs = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * w + j] = a[i] === b[j] ? (lcs[(i + 1) * w + j + 1] as number) + 1 : Math.max(lcs[(i + 1) * w + j] as number, lcs[i * w + j + 1] as number);
    }
  }
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push({ kind: 'same', text: a[i] as string, oldNo: offset + i + 1, newNo: offset + j + 1 });
      i++;
      j++;
    } else if ((lcs[(i + 1) * w + j] as number) >= (lcs[i * w + j + 1] as number)) {
      out.push({ kind: 'del', text: a[i] as string, oldNo: offset + i + 1, newNo: null });
      i++;
    } else {
      out.push({ kind: 'add', text: b[j] as string, oldNo: null, newNo: offset + j + 1 });
      j++;
    }
  }
  for (; i < n; i++) out.push({ kind: 'del', text: a[i] as string, oldNo: offset + i + 1, newNo: null });
  for (; j < m; j++) out.push({ kind: 'add', text: b[j] as string, oldNo: null, newNo: offset + j + 1 });
  return out;
}

export function diffStats(ops: readonly DiffOp[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const o of ops) {
    if (o.kind === 'add') added++;
    else if (o.kind === 'del') removed++;
  }
  return { added, removed };
}
