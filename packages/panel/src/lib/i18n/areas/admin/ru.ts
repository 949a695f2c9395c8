import type { AdminMessages } from './en';

export const adminRu: AdminMessages = {
  placeholder: 'Скоро',
};
