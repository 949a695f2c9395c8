import type { perCpa3En } from './en';

export const perCpa3ZhCn: typeof perCpa3En = {
  monitoring: '在监控中查看用量',
  perCpa: '按 CPA',
};
