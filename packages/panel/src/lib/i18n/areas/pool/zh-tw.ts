import type { PoolMessages } from './en';

export const poolZhTw: PoolMessages = {
  placeholder: '即將推出',
};
