import type { perCpa3En } from './en';

export const perCpa3ZhTw: typeof perCpa3En = {
  monitoring: '在監控中檢視用量',
  perCpa: '依 CPA',
};
