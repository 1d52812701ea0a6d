// A session's steps and why a service document waits, in the clerk's words (docs/architecture.md
// §4), once for the desktop's dictionaries and the CLI's progress and pending lines: keyed
// `step.<value>` and `reason.<value>` as the renderer's i18n keys are, so a new step or reason
// fails the typecheck until both languages name it. Pure, no Node.
import type { PendingReason, SessionStep } from '.';

type StepWords = Record<`step.${SessionStep}`, string>;
type ReasonWords = Record<`reason.${PendingReason}`, string>;

export const sessionStepWords: { ru: StepWords; en: StepWords } = {
  ru: {
    'step.authenticate': 'вход на сервер обмена',
    'step.subscribers': 'справочник абонентов',
    'step.contacts': 'контакты',
    'step.outbox': 'отправка исходящих',
    'step.events': 'получение документов',
    'step.recheck': 'повторная проверка подписей',
    'step.service-documents': 'служебные документы',
    'step.finish': 'завершение',
  },
  en: {
    'step.authenticate': 'signing in to the exchange server',
    'step.subscribers': 'subscriber directory',
    'step.contacts': 'contacts',
    'step.outbox': 'sending the outbox',
    'step.events': 'receiving documents',
    'step.recheck': 'checking signatures again',
    'step.service-documents': 'service documents',
    'step.finish': 'finishing',
  },
};

export const pendingReasonWords: { ru: ReasonWords; en: ReasonWords } = {
  ru: {
    'reason.awaiting-signature': 'нужна ваша подпись',
    'reason.agent-signs': 'подписывает агент обмена на сервере организации',
    'reason.no-signing-key': 'в профиле не настроен ключ подписи',
    'reason.cannot-make': 'не удалось сформировать документ',
    'reason.refused-by-hub': 'сервер обмена отклонил подписанный документ',
    'reason.unsendable': 'документ нельзя отправить с этого компьютера',
    'reason.password-missing': 'пароль сервиса не сохранён',
    'reason.password-incorrect': 'неверный пароль',
    'reason.key-file-not-found': 'файл ключа не найден',
    'reason.token-not-present': 'нужен токен',
    'reason.token-removed': 'токен извлечён',
    'reason.pin-incorrect': 'неверный PIN',
    'reason.pin-locked': 'PIN заблокирован',
    'reason.pin-required': 'нужно войти в токен',
    'reason.pin-cancelled': 'вход в токен отменён',
    'reason.key-not-found': 'на токене нет ключа',
    'reason.certificate-not-found': 'на токене нет сертификата',
    'reason.poa-required': 'нужна машиночитаемая доверенность (МЧД) для личного сертификата',
    'reason.poa-unknown': 'МЧД не зарегистрирована на сервере обмена',
    'reason.poa-not-in-force': 'МЧД не действует на сегодня',
    'reason.poa-revoked': 'МЧД отозвана',
    'reason.poa-other-person': 'МЧД выдана другому человеку',
    'reason.poa-power-missing': 'МЧД не даёт нужного полномочия',
  },
  en: {
    'reason.awaiting-signature': 'needs your signature',
    'reason.agent-signs': "the exchange agent on the organization's server signs it",
    'reason.no-signing-key': 'no signing key is set up in this profile',
    'reason.cannot-make': 'the document could not be made',
    'reason.refused-by-hub': 'the exchange server refused the signed document',
    'reason.unsendable': 'it cannot be sent from this computer',
    'reason.password-missing': 'the service password is not stored',
    'reason.password-incorrect': 'wrong password',
    'reason.key-file-not-found': 'the key file was not found',
    'reason.token-not-present': 'token needed',
    'reason.token-removed': 'token removed',
    'reason.pin-incorrect': 'wrong PIN',
    'reason.pin-locked': 'PIN locked',
    'reason.pin-required': 'sign in to the token',
    'reason.pin-cancelled': 'token sign-in cancelled',
    'reason.key-not-found': 'no key on the token',
    'reason.certificate-not-found': 'no certificate on the token',
    'reason.poa-required': 'a personal certificate needs a machine-readable power of attorney (МЧД)',
    'reason.poa-unknown': 'the МЧД is not registered at the exchange hub',
    'reason.poa-not-in-force': 'the МЧД is not in force today',
    'reason.poa-revoked': 'the МЧД is revoked',
    'reason.poa-other-person': 'the МЧД is issued to another person',
    'reason.poa-power-missing': 'the МЧД does not grant the power needed',
  },
};
