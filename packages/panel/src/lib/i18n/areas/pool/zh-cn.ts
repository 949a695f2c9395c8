import type { PoolMessages } from './en';

export const poolZhCn: PoolMessages = {
  placeholder: '即将推出',
};
