// Messages of several CPAs (the CPA switcher in the top bar, the CPA filter in Monitoring).
export const upstreamsEn = {
  switcher: 'CPA',
  switcherHint: 'Which CPA the CPA pages manage (accounts, config, logs, …)',
  filter: 'CPA',
  all: 'All CPAs',
  defaultName: 'default',
};
