import type { upstreamsEn } from './en';

export const upstreamsZhCn: typeof upstreamsEn = {
  switcher: 'CPA',
  switcherHint: 'CPA 页面（账号、配置、日志等）管理的是哪个 CPA',
  filter: 'CPA',
  all: '全部 CPA',
  defaultName: '默认',
};
