// Messages of the 'monitor' pages (English is the reference: its shape is what other locales satisfy).
export const monitorEn = {
  placeholder: 'Coming soon',
};

export type MonitorMessages = typeof monitorEn;
