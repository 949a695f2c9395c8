import type { AdminMessages } from './en';

export const adminZhCn: AdminMessages = {
  placeholder: '即将推出',
};
