import type { perCpa2En } from './en';

export const perCpa2ZhCn: typeof perCpa2En = {
  title: 'CPA 实例',
  readOnly: '来自配置',
  name: '名称（east）',
  key: '管理密钥',
  keepKey: '管理密钥（留空：保持不变）',
  add: '添加 CPA',
  save: '保存',
  confirmRemove: (p: { name: string }) => `移除 CPA ${p.name}？其采集器将停止，事件会保留。`,
  policyScope: (p: { name: string }) => p.name === 'default' ? '全局策略：每个 CPA 在没有自己的值时都遵循它。' : `CPA ${p.name} 的策略：此处保存的值仅对该 CPA 覆盖全局策略。`,
};
