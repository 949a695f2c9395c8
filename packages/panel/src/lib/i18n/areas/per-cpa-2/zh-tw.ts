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
};
