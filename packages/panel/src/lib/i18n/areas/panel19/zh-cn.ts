import type { Panel19Messages } from './en';

export const panel19ZhCn: Panel19Messages = {
  webhook: {
    open: 'Webhook 告警',
    title: '设置 Webhook 告警',
    intro: '创建一个 Webhook 通道，并为下面每个条件创建一条使用常用阈值的规则（之后可在“规则和通道”中修改）。',
    url: 'Webhook 地址',
    secret: '签名密钥（可选，HMAC-SHA256）',
    when: '告警条件',
    noKinds: '请至少选择一个条件。',
    done: (p: { n: number }) => `Webhook 告警已设置：${p.n} 条规则发送到该通道。`,
  },
  dash: {
    showAccounts: (p: { state: string }) => `显示状态为“${p.state}”的账号`,
  },
  ttft: {
    kpi: '首字延迟',
    p50: 'TTFT p50',
    p95: 'TTFT p95',
    hint: '流式请求的 p50 / p95',
    none: '没有流式请求',
  },
};
