import type { perCpa3En } from './en';

export const perCpa3Ru: typeof perCpa3En = {
  monitoring: 'Использование в мониторинге',
  perCpa: 'По CPA',
};
