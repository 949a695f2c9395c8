import type { upstreamsEn } from './en';

export const upstreamsZhTw: typeof upstreamsEn = {
  switcher: 'CPA',
  switcherHint: 'CPA 頁面（帳號、設定、日誌等）管理的是哪個 CPA',
  filter: 'CPA',
  all: '全部 CPA',
  defaultName: '預設',
};
