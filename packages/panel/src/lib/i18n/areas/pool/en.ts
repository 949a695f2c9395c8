// Messages of the 'pool' pages (English is the reference: its shape is what other locales satisfy).
export const poolEn = {
  placeholder: 'Coming soon',
};

export type PoolMessages = typeof poolEn;
