import type { MonitorMessages } from './en';

export const monitorZhCn: MonitorMessages = {
  placeholder: '即将推出',
};
