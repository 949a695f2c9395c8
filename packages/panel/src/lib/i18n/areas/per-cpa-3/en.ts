// Messages of lane per-cpa-3: accounts per CPA in Monitoring links, inspection results and collectors per CPA.
export const perCpa3En = {
  monitoring: 'Usage in Monitoring',
  perCpa: 'Per CPA',
};
