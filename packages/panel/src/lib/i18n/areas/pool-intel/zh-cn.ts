import type { PoolIntelMessages } from './en';

export const poolIntelZhCn: PoolIntelMessages = {
  verdict: {
    safe: '安全',
    watch: '需关注',
    'at-risk': '有风险',
    empty: '已耗尽',
    'no-data': '暂无数据',
  },
  reason: {
    idle: '安全：当前没有消耗配额。',
    resetFirst: (p) => `${p.window} 配额将于 ${p.reset} 重置，早于耗尽时间（${p.dry}）。`,
    runsDry: (p) => `按当前速度将于 ${p.time} 耗尽，早于 ${p.window} 重置（${p.reset}）。`,
    runsDryNoReset: (p) => `按当前速度将于 ${p.time} 耗尽；重置时间未知。`,
    empty: (p) => `已耗尽，直到 ${p.until} 第一个 ${p.window} 配额重置。`,
    emptyNoReset: '已耗尽：所有账号都已用完配额，重置时间未知。',
    noUsable: (p) => `已耗尽，直到 ${p.until}：没有可用账号。`,
    noUsableNoReset: '已耗尽：没有可用账号。',
  },
  emptyUntil: (p) => `耗尽至 ${p.time}`,
};
