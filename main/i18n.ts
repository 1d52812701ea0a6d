// Runs in: the Electron main process. The few strings main shows itself (tray menu, tooltip,
// notifications, its dialogs), in the clerk's language; the renderer has its own dictionaries.
import type { Language } from '../src/ipc/contract';

const ru = {
  'tray.open': 'Открыть',
  'tray.runNow': 'Провести сеанс обмена сейчас',
  'tray.pause': 'Приостановить фоновый обмен',
  'tray.resume': 'Возобновить фоновый обмен',
  'tray.quit': 'Выход',
  'tray.state.idle': 'EDO Clerk: всё в порядке',
  'tray.state.exchanging': 'EDO Clerk: идёт сеанс обмена',
  'tray.state.attention': 'EDO Clerk: нужно ваше участие',
  'tray.state.offline': 'EDO Clerk: нет связи с сервером обмена',
  'tray.state.error': 'EDO Clerk: сеанс обмена завершился ошибкой',
  'notify.incoming.title': 'Новые входящие документы: {count}',
  'notify.pending.title': 'Ждут подписи: {count}',
  'notify.pending.body': 'Служебные документы ждут вашей подписи.',
  'notify.awaiting.signature.title': 'Контрагент просит подписать: {count}',
  'notify.awaiting.annulment.title': 'Контрагент предлагает аннулировать: {count}',
  'notify.token.title': 'Нужен токен',
  'notify.token.body': 'Подключите токен и введите PIN, чтобы подписать документы.',
  'notify.failed.title': 'Сеанс обмена не удался',
  'module.confirm.message': 'Загрузить модуль токена из необычного места?',
  'module.confirm.detail':
    '{path}\n\nЭто не путь, куда производители токенов устанавливают свои модули. Программа загрузит этот файл и выполнит его код. Загружайте его, только если вы сами указали этот путь.',
  'module.confirm.load': 'Загрузить',
  'module.confirm.cancel': 'Отмена',
};

type Key = keyof typeof ru;

const en: Record<Key, string> = {
  'tray.open': 'Open',
  'tray.runNow': 'Run exchange session now',
  'tray.pause': 'Pause background exchange',
  'tray.resume': 'Resume background exchange',
  'tray.quit': 'Quit',
  'tray.state.idle': 'EDO Clerk: all is well',
  'tray.state.exchanging': 'EDO Clerk: exchange session running',
  'tray.state.attention': 'EDO Clerk: needs your attention',
  'tray.state.offline': 'EDO Clerk: the exchange server cannot be reached',
  'tray.state.error': 'EDO Clerk: the exchange session failed',
  'notify.incoming.title': 'New incoming documents: {count}',
  'notify.pending.title': 'Waiting for your signature: {count}',
  'notify.pending.body': 'Service documents are waiting for your signature.',
  'notify.awaiting.signature.title': 'The counterparty asks you to sign: {count}',
  'notify.awaiting.annulment.title': 'The counterparty proposes annulment: {count}',
  'notify.token.title': 'Token needed',
  'notify.token.body': 'Connect your token and enter the PIN to sign documents.',
  'notify.failed.title': 'The exchange session failed',
  'module.confirm.message': 'Load a token module from an unusual place?',
  'module.confirm.detail':
    '{path}\n\nThis is not where token vendors install their modules. The app will load this file and run its code. Load it only if you entered this path yourself.',
  'module.confirm.load': 'Load',
  'module.confirm.cancel': 'Cancel',
};

export type MainMessageKey = Key;

export function mainText(language: Language, key: Key, values: Record<string, string | number> = {}): string {
  return (language === 'en' ? en : ru)[key].replace(/\{(\w+)\}/g, (_m, name: string) =>
    String(values[name] ?? `{${name}}`),
  );
}
