import type { AdminMessages } from './en';

export const adminZhTw: AdminMessages = {
  placeholder: '即將推出',
};
