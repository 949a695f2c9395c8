import type { PoolMessages } from './en';

export const poolRu: PoolMessages = {
  placeholder: 'Скоро',
};
