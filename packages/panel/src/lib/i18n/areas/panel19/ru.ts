import type { Panel19Messages } from './en';

export const panel19Ru: Panel19Messages = {
  webhook: {
    open: 'Оповещение на webhook',
    title: 'Настроить оповещение на webhook',
    intro: 'Один канал webhook и по правилу на каждое условие ниже, с обычными порогами (их можно изменить позже в «Правилах и каналах»).',
    url: 'URL webhook',
    secret: 'Секрет подписи (необязательно, HMAC-SHA256)',
    when: 'Оповещать, когда',
    noKinds: 'Выберите хотя бы одно условие.',
    done: (p: { n: number }) => `Оповещение на webhook настроено: правил, отправляющих в него, — ${p.n}.`,
  },
  dash: {
    showAccounts: (p: { state: string }) => `Показать аккаунты в состоянии «${p.state}»`,
  },
  ttft: {
    kpi: 'Время до первого токена',
    p50: 'TTFT p50',
    p95: 'TTFT p95',
    hint: 'p50 / p95 потоковых запросов',
    none: 'нет потоковых запросов',
  },
};
