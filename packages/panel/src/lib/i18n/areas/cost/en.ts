// Messages of the cost work: the cost explanation from the store, "apply to" for price changes, unpriced models.
export const costEn = {
  explain: {
    loading: 'Loading how the cost was computed…',
    failed: 'Could not load the cost explanation.',
    bucket: {
      input: 'Input',
      unclassified: 'Unclassified tokens',
      cacheRead: 'Cache read',
      cacheCreation: 'Cache write',
      output: 'Output',
      reasoning: 'Reasoning',
      requestFee: 'Per-request fee',
    } as Record<string, string>,
    source: {
      base: 'base rate',
      above200k: '>200k rate',
      contextTier: 'context tier rate',
      serviceTier: 'service-tier rate',
      inputTenth: '10 % of input (estimated)',
      inputRate: 'input rate (estimated)',
      outputRate: 'output rate',
      fee: 'USD per request',
    } as Record<string, string>,
    rate: 'Rate',
    multiplier: 'Multiplier',
    tierFromRequested: 'requested tier (Codex bills the requested tier)',
    tierFromResponse: 'tier reported by the upstream',
    longContext: 'Prompt over 200k tokens: long-context rates',
    contextTier: (p: { n: string }) => `Context tier above ${p.n} tokens`,
    version: (p: { id: number; from: string; to: string }) => `Price version ${p.id}, in effect ${p.from} – ${p.to}`,
    sinceStart: 'the beginning',
    open: 'now',
  },
  applyTo: {
    title: 'Apply this price to',
    allHistory: 'All history (re-price every past request of this model)',
    fromNow: 'From now on (past requests keep their cost)',
    fromDate: 'From a date:',
    defaultNew: 'A model without a price is priced over its whole history by default.',
    repricing: (p: { name: string }) => `Re-pricing the history of ${p.name} in the background…`,
    badDate: 'Pick a date to apply the price from.',
  },
  candidates: {
    title: 'Several prices found: pick the one you are billed',
    use: 'Use this price',
    perM: (p: { input: string; output: string }) => `$${p.input} in / $${p.output} out per 1M`,
  },
  unpriced: {
    title: 'Models with traffic but no price',
    hint: 'Their cost counts as unknown, not zero. Add a price and their history is priced.',
    calls: (p: { n: string }) => `${p.n} requests`,
    addPrice: 'Add price',
    none: 'Every model with traffic has a price.',
  },
};

export type CostMessages = typeof costEn;
