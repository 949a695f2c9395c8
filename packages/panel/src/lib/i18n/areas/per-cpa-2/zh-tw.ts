import type { perCpa2En } from './en';

export const perCpa2ZhTw: typeof perCpa2En = {
  title: 'CPA 實例',
  readOnly: '來自設定',
  name: '名稱（east）',
  key: '管理金鑰',
  keepKey: '管理金鑰（留空：保持不變）',
  add: '新增 CPA',
  save: '儲存',
  confirmRemove: (p: { name: string }) => `移除 CPA ${p.name}？其採集器將停止，事件會保留。`,
  policyScope: (p: { name: string }) => p.name === 'default' ? '全域策略：每個 CPA 在沒有自己的值時都遵循它。' : `CPA ${p.name} 的策略：此處儲存的值僅對該 CPA 覆寫全域策略。`,
};
