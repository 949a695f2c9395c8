import type { upstreamsEn } from './en';

export const upstreamsRu: typeof upstreamsEn = {
  switcher: 'CPA',
  switcherHint: 'Каким CPA управляют страницы CPA (аккаунты, конфигурация, журналы, …)',
  filter: 'CPA',
  all: 'Все CPA',
  defaultName: 'основной',
};
