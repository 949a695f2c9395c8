// Messages of the 'admin' pages (English is the reference: its shape is what other locales satisfy).
export const adminEn = {
  placeholder: 'Coming soon',
};

export type AdminMessages = typeof adminEn;
