import type { Panel19Messages } from './en';

export const panel19ZhTw: Panel19Messages = {
  webhook: {
    open: 'Webhook 警示',
    title: '設定 Webhook 警示',
    intro: '建立一個 Webhook 通道，並為下列每個條件建立一條使用常用閾值的規則（之後可在「規則與通道」中修改）。',
    url: 'Webhook 網址',
    secret: '簽章密鑰（選填，HMAC-SHA256）',
    when: '警示條件',
    noKinds: '請至少選擇一個條件。',
    done: (p: { n: number }) => `Webhook 警示已設定：${p.n} 條規則傳送到此通道。`,
  },
  dash: {
    showAccounts: (p: { state: string }) => `顯示狀態為「${p.state}」的帳號`,
  },
  ttft: {
    kpi: '首字延遲',
    p50: 'TTFT p50',
    p95: 'TTFT p95',
    hint: '串流請求的 p50 / p95',
    none: '沒有串流請求',
  },
};
