// Messages of lane per-cpa-2: the CPAs card (Collector page) that adds, changes and removes CPAs.
export const perCpa2En = {
  title: 'CPAs',
  readOnly: 'from the configuration',
  name: 'Name (east)',
  key: 'Management key',
  keepKey: 'Management key (empty: keep)',
  add: 'Add CPA',
  save: 'Save',
  confirmRemove: (p: { name: string }) => `Remove the CPA ${p.name}? Its collector stops; its events stay.`,
  policyScope: (p: { name: string }) => p.name === 'default' ? 'Global policy: every CPA follows it where it has no value of its own.' : `The policy of CPA ${p.name}: a value saved here overrides the global policy for this CPA only.`,
};
