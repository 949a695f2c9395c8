const PAREN_SUFFIX = /\((?:none|auto|-1|minimal|low|medium|high|xhigh|max|\d+)\)$/i;
const EFFORT_SUFFIX = /-(?:none|auto|minimal|low|medium|high|xhigh|max|thinking)$/i;
const DATE_SUFFIX = /[-@](?:20\d{2}-?\d{2}-?\d{2}|latest)$/i;

/** The analytics model: CPA's reasoning suffix `(high)` or a budget `(8192)` stripped. */
export function analyticsModel(model: string): string {
  return model.replace(PAREN_SUFFIX, '');
}

/**
 * Names to try, most specific first, when matching a CPA model id against price entries:
 * exact, lower case, without `(effort)`, without a provider prefix, without `-high`-style
 * suffixes, without a date suffix.
 */
export function modelNameCandidates(model: string): string[] {
  const out: string[] = [];
  const add = (s: string) => {
    const t = s.trim().toLowerCase();
    if (t && !out.includes(t)) out.push(t);
  };
  let cur = model.trim();
  add(cur);
  cur = cur.replace(PAREN_SUFFIX, '');
  add(cur);
  const slash = cur.lastIndexOf('/');
  if (slash >= 0) {
    cur = cur.slice(slash + 1);
    add(cur);
  }
  const noEffort = cur.replace(EFFORT_SUFFIX, '');
  add(noEffort);
  const noDate = noEffort.replace(DATE_SUFFIX, '');
  add(noDate);
  add(noDate.replace(EFFORT_SUFFIX, ''));
  return out;
}
