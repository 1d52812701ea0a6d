// A document's list status in the clerk's words (docs/architecture.md §4), once for the desktop's
// dictionaries and the CLI's lists: keyed `status.<value>` as the renderer's i18n keys are, so a
// new status fails the typecheck until both languages name it. Pure, no Node.
import type { ListStatus } from '.';

type Words = Record<`status.${ListStatus}`, string>;

export const listStatusWords: { ru: Words; en: Words } = {
  ru: {
    'status.queued': 'Ждёт отправки',
    'status.sent': 'Отправлен',
    'status.delivered': 'Доставлен',
    'status.receipt-confirmed': 'Получено извещение о получении',
    'status.clarification-requested': 'Запрошено уточнение',
    'status.rejected': 'Отклонён сервером обмена',
    'status.received': 'Получен',
    'status.receipt-pending': 'Ждёт извещения о получении',
    'status.receipt-sent': 'Извещение о получении отправлено',
    'status.clarification-sent': 'Уточнение отправлено',
    'status.signature-invalid': 'Подпись недействительна',
    'status.signature-unchecked': 'Подпись не проверена',
  },
  en: {
    'status.queued': 'Waiting to be sent',
    'status.sent': 'Sent',
    'status.delivered': 'Delivered',
    'status.receipt-confirmed': 'Receipt notice received',
    'status.clarification-requested': 'Clarification requested',
    'status.rejected': 'Refused by the exchange server',
    'status.received': 'Received',
    'status.receipt-pending': 'Receipt notice pending',
    'status.receipt-sent': 'Receipt notice sent',
    'status.clarification-sent': 'Clarification sent',
    'status.signature-invalid': 'Signature invalid',
    'status.signature-unchecked': 'Signature not checked yet',
  },
};
