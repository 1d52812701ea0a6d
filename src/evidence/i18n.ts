// The words of the card and of the verifier's verdicts (docs/architecture.md §7): Russian by
// default, English available, one dictionary as main/i18n.ts keeps main's own strings.
import { workflowStateWords } from '../vocabulary/workflow-words';

export type EvidenceLanguage = 'ru' | 'en';

const ru = {
  'card.title': 'Карточка электронного документа',
  'card.document': 'Документ',
  'card.name': 'Наименование',
  'card.file': 'Файл',
  'card.size': 'Размер',
  'card.bytes': '{n} байт',
  'card.sha256': 'SHA-256',
  'card.streebog': 'ГОСТ Р 34.11-2012 (256)',
  'card.hubId': 'Идентификатор у оператора',
  'card.sender': 'Отправитель',
  'card.recipient': 'Получатель',
  'card.sentAt': 'Дата отправки (ПДОТПР)',
  'card.stamp.heading': 'ДОКУМЕНТ ПОДПИСАН ЭЛЕКТРОННОЙ ПОДПИСЬЮ',
  'card.stamp.side': 'Сторона',
  'side.sender': 'отправитель',
  'side.recipient': 'получатель',
  'card.workflow.signature': 'Подпись получателя',
  'card.workflow.annulment': 'Аннулирование',
  ...workflowStateWords.ru,
  'card.stamp.signer': 'Владелец',
  'card.stamp.position': 'Должность',
  'card.stamp.organization': 'Организация',
  'card.stamp.serial': 'Сертификат',
  'card.stamp.issuer': 'Издатель',
  'card.stamp.validity': 'Действителен',
  'card.stamp.validityRange': 'с {from} по {to}',
  'card.stamp.signingTime': 'Время подписания',
  'card.stamp.timestamp': 'Штамп времени',
  'card.stamp.status': 'Статус сертификата',
  'card.stamp.form': 'Форма подписи',
  'card.stamp.poa': 'МЧД',
  'card.stamp.verdict': 'Проверка подписи',
  'card.services': 'Служебные документы',
  'card.service.reason': 'Текст',
  'card.poa.heading': 'Машиночитаемые доверенности (МЧД)',
  'card.poa.number': 'Номер МЧД',
  'card.poa.principal': 'Доверитель',
  'card.poa.representative': 'Представитель',
  'card.poa.term': 'Срок действия',
  'card.poa.termRange': 'с {from} по {to}',
  'card.poa.status': 'Статус',
  'card.poa.statusLine': '{status} (по данным оператора на {at})',
  'card.poa.powers': 'Полномочия',
  'card.poa.signature': 'Подпись доверителя',
  'card.poa.line':
    '№ {number}; доверитель: {principal}; представитель: {representative}; срок: с {from} по {to}; статус при подписании: {status}',
  'poaStatus.created': 'выдана, срок не начался',
  'poaStatus.active': 'действует',
  'poaStatus.expired': 'срок истёк',
  'poaStatus.revoked': 'отозвана',
  'card.archive': 'Архив подписанных документов',
  'card.archive.entry': 'Запись № {index}, хеш листа {leaf}',
  'card.archive.head': 'Дерево: {size} записей, корень {root}, подписано оператором {at}',
  'card.archive.none': 'Документ не помещён в архив организации',
  'card.reference': 'Проверочная ссылка',
  'card.page': 'Страница {n} из {of}',
  'kind.send-confirmation': 'Подтверждение даты отправки (ПДОТПР)',
  'kind.receipt-confirmation': 'Подтверждение даты получения (ПДПОЛ)',
  'kind.receipt': 'Извещение о получении (ИОП)',
  'kind.clarification': 'Уведомление об уточнении (УОУ)',
  'kind.signature-refusal': 'Отказ в подписании (УОУ)',
  'kind.annulment-proposal': 'Предложение об аннулировании (ПРА)',
  'kind.annulment-acceptance': 'Согласие на аннулирование',
  'kind.annulment-rejection': 'Отказ в аннулировании',
  'status.good': 'действителен',
  'status.revoked': 'отозван',
  'status.unknown': 'не установлен',
  'verdict.valid': 'подпись верна',
  'verdict.invalid': 'подпись НЕ верна',
  'verdict.undetermined': 'не удалось установить',
  none: '—',
  'verify.ok': 'ВЕРНО',
  'verify.failed': 'НЕ ВЕРНО',
  'verify.all': 'Пакет доказательств проверен: все части верны.',
  'verify.some': 'Пакет доказательств НЕ прошёл проверку: {parts}',
  'verify.undeterminedPart': 'НЕ УСТАНОВЛЕНО',
  'verify.undetermined':
    'Пакет доказательств: статус сертификата не удалось установить ({parts}); остальные части верны.',
};

type Key = keyof typeof ru;
export type EvidenceKey = Key;

const en: Record<Key, string> = {
  'card.title': 'Electronic document card',
  'card.document': 'Document',
  'card.name': 'Title',
  'card.file': 'File',
  'card.size': 'Size',
  'card.bytes': '{n} bytes',
  'card.sha256': 'SHA-256',
  'card.streebog': 'GOST R 34.11-2012 (256)',
  'card.hubId': 'Operator document id',
  'card.sender': 'Sender',
  'card.recipient': 'Recipient',
  'card.sentAt': 'Sent (operator confirmation)',
  'card.stamp.heading': 'SIGNED WITH AN ELECTRONIC SIGNATURE',
  'card.stamp.side': 'Side',
  'side.sender': 'sender',
  'side.recipient': 'recipient',
  'card.workflow.signature': "Recipient's signature",
  'card.workflow.annulment': 'Annulment',
  ...workflowStateWords.en,
  'card.stamp.signer': 'Signer',
  'card.stamp.position': 'Position',
  'card.stamp.organization': 'Organization',
  'card.stamp.serial': 'Certificate',
  'card.stamp.issuer': 'Issuer',
  'card.stamp.validity': 'Valid',
  'card.stamp.validityRange': 'from {from} to {to}',
  'card.stamp.signingTime': 'Signing time',
  'card.stamp.timestamp': 'Trusted timestamp',
  'card.stamp.status': 'Certificate status',
  'card.stamp.form': 'Signature form',
  'card.stamp.poa': 'Power of attorney',
  'card.stamp.verdict': 'Signature check',
  'card.services': 'Service documents',
  'card.service.reason': 'Text',
  'card.poa.heading': 'Machine-readable powers of attorney (МЧД)',
  'card.poa.number': 'МЧД number',
  'card.poa.principal': 'Principal',
  'card.poa.representative': 'Representative',
  'card.poa.term': 'Term',
  'card.poa.termRange': 'from {from} to {to}',
  'card.poa.status': 'Status',
  'card.poa.statusLine': '{status} (as the operator said on {at})',
  'card.poa.powers': 'Powers',
  'card.poa.signature': "Principal's signature",
  'card.poa.line':
    'No. {number}; principal: {principal}; representative: {representative}; term: {from} to {to}; status at signing: {status}',
  'poaStatus.created': 'issued, its term not begun',
  'poaStatus.active': 'in force',
  'poaStatus.expired': 'expired',
  'poaStatus.revoked': 'revoked',
  'card.archive': 'Signed-data archive',
  'card.archive.entry': 'Entry {index}, leaf hash {leaf}',
  'card.archive.head': 'Tree: {size} entries, root {root}, signed by the operator {at}',
  'card.archive.none': 'The document is not in the organization archive',
  'card.reference': 'Verification reference',
  'card.page': 'Page {n} of {of}',
  'kind.send-confirmation': 'Send date confirmation',
  'kind.receipt-confirmation': 'Receipt date confirmation',
  'kind.receipt': 'Receipt notice',
  'kind.clarification': 'Clarification request',
  'kind.signature-refusal': 'Refusal to sign',
  'kind.annulment-proposal': 'Annulment proposal',
  'kind.annulment-acceptance': 'Annulment accepted',
  'kind.annulment-rejection': 'Annulment rejected',
  'status.good': 'good',
  'status.revoked': 'revoked',
  'status.unknown': 'unknown',
  'verdict.valid': 'signature valid',
  'verdict.invalid': 'signature NOT valid',
  'verdict.undetermined': 'undetermined',
  none: '—',
  'verify.ok': 'OK',
  'verify.failed': 'FAILED',
  'verify.all': 'Evidence package verified: every part holds.',
  'verify.some': 'The evidence package FAILED verification: {parts}',
  'verify.undeterminedPart': 'UNDETERMINED',
  'verify.undetermined':
    'The evidence package: the certificate status could not be determined ({parts}); every other part holds.',
};

/** kk (and anything else) falls back to Russian, as algorithmTitle does. */
export function evidenceLanguage(language: string | undefined): EvidenceLanguage {
  return language === 'en' ? 'en' : 'ru';
}

export function evidenceText(
  language: EvidenceLanguage,
  key: Key,
  values: Record<string, string | number> = {},
): string {
  return (language === 'en' ? en : ru)[key].replace(/\{(\w+)\}/g, (_m, name: string) =>
    String(values[name] ?? `{${name}}`),
  );
}

/** A calendar date (YYYY-MM-DD, an МЧД's term) as a clerk writes it. */
export function evidenceDate(iso: string, language: EvidenceLanguage): string {
  const [y, m, d] = iso.split('-');
  return language === 'en' ? iso : `${d}.${m}.${y}`;
}

/** Dates as a clerk reads them: Moscow time (the FNS documents' time), with the zone named. */
export function evidenceTime(date: Date | string | undefined, language: EvidenceLanguage): string {
  if (date === undefined) return evidenceText(language, 'none');
  const d = typeof date === 'string' ? new Date(date) : date;
  const text = d.toLocaleString(language === 'en' ? 'en-GB' : 'ru-RU', {
    timeZone: 'Europe/Moscow',
    dateStyle: 'short',
    timeStyle: 'medium',
  });
  return `${text} ${language === 'en' ? 'MSK' : 'МСК'}`;
}
