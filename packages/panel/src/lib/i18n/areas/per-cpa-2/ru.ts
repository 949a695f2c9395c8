import type { perCpa2En } from './en';

export const perCpa2Ru: typeof perCpa2En = {
  title: 'CPA',
  readOnly: 'из конфигурации',
  name: 'Имя (east)',
  key: 'Ключ управления',
  keepKey: 'Ключ управления (пусто: оставить)',
  add: 'Добавить CPA',
  save: 'Сохранить',
  confirmRemove: (p: { name: string }) => `Удалить CPA ${p.name}? Его сборщик остановится, события останутся.`,
  policyScope: (p: { name: string }) => p.name === 'default' ? 'Общая политика: ей следует каждый CPA, где у него нет своего значения.' : `Политика CPA ${p.name}: сохранённое здесь значение меняет общую политику только для этого CPA.`,
};
