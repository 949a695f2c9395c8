import type { MonitorMessages } from './en';

export const monitorRu: MonitorMessages = {
  placeholder: 'Скоро',
};
