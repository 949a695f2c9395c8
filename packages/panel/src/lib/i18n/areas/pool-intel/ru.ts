import type { PoolIntelMessages } from './en';

export const poolIntelRu: PoolIntelMessages = {
  verdict: {
    safe: 'В порядке',
    watch: 'Следить',
    'at-risk': 'Под угрозой',
    empty: 'Пусто',
    'no-data': 'Нет данных',
  },
  reason: {
    idle: 'В порядке: квота не расходуется.',
    resetFirst: (p) => `Квота ${p.window} сбросится ${p.reset}, раньше, чем закончится (${p.dry}).`,
    runsDry: (p) => `При текущем темпе закончится ${p.time}, до сброса ${p.window} ${p.reset}.`,
    runsDryNoReset: (p) => `При текущем темпе закончится ${p.time}; время сброса неизвестно.`,
    empty: (p) => `Пусто до ${p.until}, когда сбросится первая квота ${p.window}.`,
    emptyNoReset: 'Пусто: все аккаунты израсходовали квоту, время сброса неизвестно.',
    noUsable: (p) => `Пусто до ${p.until}: ни один аккаунт не может обслуживать запросы.`,
    noUsableNoReset: 'Пусто: ни один аккаунт не может обслуживать запросы.',
  },
  emptyUntil: (p) => `пусто до ${p.time}`,
};
