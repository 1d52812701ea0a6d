// The document workflow's states in the clerk's words (docs/architecture.md §5a), once for the
// desktop's dictionaries and the card's: keyed `<group>.<value>` as the renderer's i18n keys are,
// so a new state fails the typecheck until both languages name it. Pure, no Node.
import type { AnnulmentState, RecipientSignatureState } from '../protocol/documents';

type Words = Record<`signatureState.${RecipientSignatureState}` | `annulmentState.${AnnulmentState}`, string>;

export const workflowStateWords: { ru: Words; en: Words } = {
  ru: {
    'signatureState.signature-requested': 'Запрошена подпись получателя',
    'signatureState.signed-by-both': 'Подписан обеими сторонами',
    'signatureState.signature-refused': 'Получатель отказал в подписи',
    'signatureState.recipient-signature-invalid': 'Подпись получателя недействительна',
    'annulmentState.annulment-proposed': 'Предложено аннулирование',
    'annulmentState.annulled': 'Аннулирован',
    'annulmentState.annulment-rejected': 'В аннулировании отказано',
  },
  en: {
    'signatureState.signature-requested': "Recipient's signature requested",
    'signatureState.signed-by-both': 'Signed by both sides',
    'signatureState.signature-refused': 'The recipient refused to sign',
    'signatureState.recipient-signature-invalid': "The recipient's signature is invalid",
    'annulmentState.annulment-proposed': 'Annulment proposed',
    'annulmentState.annulled': 'Annulled',
    'annulmentState.annulment-rejected': 'Annulment rejected',
  },
};
