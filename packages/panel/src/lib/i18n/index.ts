import './area-order';
import { en, type Messages } from './en';
import { ru } from './ru';
import { zhCn } from './zh-cn';
import { zhTw } from './zh-tw';

export type { Messages };
export const LOCALES = ['en', 'zh-CN', 'zh-TW', 'ru'] as const;
export type LocaleId = (typeof LOCALES)[number];

export const MESSAGES: Record<LocaleId, Messages> = { en, 'zh-CN': zhCn, 'zh-TW': zhTw, ru };

/** Picks the best supported locale from the browser's preference list. */
export function matchLocale(preferred: readonly string[]): LocaleId {
  for (const raw of preferred) {
    const tag = raw.toLowerCase();
    if (tag === 'zh-tw' || tag === 'zh-hk' || tag === 'zh-mo' || tag.startsWith('zh-hant')) return 'zh-TW';
    if (tag.startsWith('zh')) return 'zh-CN';
    if (tag.startsWith('ru')) return 'ru';
    if (tag.startsWith('en')) return 'en';
  }
  return 'en';
}

export function isLocaleId(v: unknown): v is LocaleId {
  return typeof v === 'string' && (LOCALES as readonly string[]).includes(v);
}
