import type { PoolIntelMessages } from './en';

export const poolIntelZhTw: PoolIntelMessages = {
  verdict: {
    safe: '安全',
    watch: '需關注',
    'at-risk': '有風險',
    empty: '已耗盡',
    'no-data': '尚無資料',
  },
  reason: {
    idle: '安全：目前沒有消耗配額。',
    resetFirst: (p) => `${p.window} 配額將於 ${p.reset} 重設，早於耗盡時間（${p.dry}）。`,
    runsDry: (p) => `依目前速度將於 ${p.time} 耗盡，早於 ${p.window} 重設（${p.reset}）。`,
    runsDryNoReset: (p) => `依目前速度將於 ${p.time} 耗盡；重設時間未知。`,
    empty: (p) => `已耗盡，直到 ${p.until} 第一個 ${p.window} 配額重設。`,
    emptyNoReset: '已耗盡：所有帳號都已用完配額，重設時間未知。',
    noUsable: (p) => `已耗盡，直到 ${p.until}：沒有可用帳號。`,
    noUsableNoReset: '已耗盡：沒有可用帳號。',
  },
  emptyUntil: (p) => `耗盡至 ${p.time}`,
};
