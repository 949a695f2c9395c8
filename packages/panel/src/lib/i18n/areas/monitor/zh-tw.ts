import type { MonitorMessages } from './en';

export const monitorZhTw: MonitorMessages = {
  placeholder: '即將推出',
};
