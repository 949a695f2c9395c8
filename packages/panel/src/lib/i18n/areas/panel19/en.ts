// Messages of the panel-19 lane: the one-form webhook alert, the account-state links of the Dashboard and
// time to first token in Monitoring (English is the reference: its shape is what other locales satisfy).
export const panel19En = {
  webhook: {
    open: 'Webhook alert',
    title: 'Set up a webhook alert',
    intro: 'One webhook channel and a rule for each condition below, with the usual thresholds (edit them later under Rules and channels).',
    url: 'Webhook URL',
    secret: 'Signing secret (optional, HMAC-SHA256)',
    when: 'Alert when',
    noKinds: 'Choose at least one condition.',
    done: (p: { n: number }) => `Webhook alert set up: ${p.n} ${p.n === 1 ? 'rule' : 'rules'} send to it.`,
  },
  dash: {
    showAccounts: (p: { state: string }) => `Show the accounts in state ${p.state}`,
  },
  ttft: {
    kpi: 'Time to first token',
    p50: 'TTFT p50',
    p95: 'TTFT p95',
    hint: 'p50 / p95 of streamed requests',
    none: 'no streamed requests',
  },
};
export type Panel19Messages = typeof panel19En;
