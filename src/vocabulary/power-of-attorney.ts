// The clerk's words about signing under a machine-readable power of attorney (МЧД,
// docs/architecture.md §7): one sentence per refusal code (the hub's codes, found by the client
// before signing or by the hub at acceptance) naming what is wrong and what to do, and the lines
// of `edo-clerk poa use`. Russian unless English is chosen. Pure, no Node.
import type { SigningAction } from '../protocol/powers-of-attorney';

type Language = 'ru' | 'en' | 'kk';

/** What the words name: the signer, the organization, the МЧД and the act. */
export interface PowerOfAttorneyFacts {
  signer: string;
  organization: string;
  action: SigningAction;
  number?: string;
  issuedOn?: string;
  validUntil?: string;
}

const ru = {
  'poa-required':
    '{signer} подписывает личным сертификатом, в котором не указана организация {organization}: нужна машиночитаемая доверенность (МЧД) от руководителя. Подключите её: edo-clerk poa use ФАЙЛ.xml',
  'poa-unknown':
    'МЧД № {number} не зарегистрирована на сервере обмена для {organization}: подключите её заново (edo-clerk poa use ФАЙЛ.xml)',
  'poa-not-in-force':
    'МЧД № {number} сегодня не действует (срок: с {issuedOn} по {validUntil}): попросите руководителя выдать новую',
  'poa-revoked': 'МЧД № {number} отозвана доверителем: подписывать по ней нельзя, попросите руководителя выдать новую',
  'poa-other-person': 'МЧД № {number} выдана не {signer}: подключите МЧД, выданную владельцу этого сертификата',
  'poa-power-missing':
    'МЧД № {number} не даёт полномочия {action}: попросите руководителя выдать МЧД с этим полномочием',
  'action.send-document': 'подписывать и отправлять документы',
  'action.sign-service-document': 'подписывать служебные документы (извещения о получении, уведомления об уточнении)',
  nothingSigned: 'Ничего не подписано.',
  attached: 'МЧД № {number} подключена к сертификату {signer}: действует с {issuedOn} по {validUntil}.',
  grants: 'Можно {action}.',
  refused: 'Нельзя {action}: {reason}',
} as const;

const en: Record<keyof typeof ru, string> = {
  'poa-required':
    '{signer} signs with a personal certificate that does not name {organization}: a machine-readable power of attorney (МЧД) from the director is needed. Attach it: edo-clerk poa use FILE.xml',
  'poa-unknown':
    'The МЧД {number} is not registered at the exchange hub for {organization}: attach it again (edo-clerk poa use FILE.xml)',
  'poa-not-in-force':
    'The МЧД {number} is not in force today (its term: {issuedOn} to {validUntil}): ask the director for a new one',
  'poa-revoked':
    'The МЧД {number} was revoked by the principal: nothing may be signed under it, ask the director for a new one',
  'poa-other-person':
    'The МЧД {number} is not issued to {signer}: attach the МЧД issued to the holder of this certificate',
  'poa-power-missing':
    'The МЧД {number} does not grant the power {action}: ask the director for an МЧД with that power',
  'action.send-document': 'to sign and send documents',
  'action.sign-service-document': 'to sign service documents (receipt notices, clarification requests)',
  nothingSigned: 'Nothing was signed.',
  attached: 'The МЧД {number} is attached to the certificate of {signer}: in force from {issuedOn} to {validUntil}.',
  grants: 'It lets you {action}.',
  refused: 'It does not let you {action}: {reason}',
};

type Key = keyof typeof ru;

/** "2026-12-02" → "02.12.2026", as a clerk writes dates. */
const clerkDate = (iso: string | undefined) => (iso ? iso.split('-').reverse().join('.') : '?');

/** A line in the clerk's words; a refusal's line is keyed by its code. */
export function powerOfAttorneyText(
  key: Key,
  facts: Partial<PowerOfAttorneyFacts> & { reason?: string },
  language: Language = 'ru',
): string {
  const w = language === 'en' ? en : ru;
  const values: Record<string, string> = {
    signer: facts.signer ?? '?',
    organization: facts.organization ?? '?',
    number: facts.number ?? '?',
    issuedOn: clerkDate(facts.issuedOn),
    validUntil: clerkDate(facts.validUntil),
    action: facts.action ? w[`action.${facts.action}`] : '?',
    reason: facts.reason ?? '',
  };
  return w[key].replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? `{${name}}`);
}
