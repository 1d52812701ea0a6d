// The clerk's words about signing under a machine-readable power of attorney (МЧД,
// docs/architecture.md §7): one sentence per refusal code (the hub's codes, found by the client
// before signing or by the hub at acceptance) naming what is wrong and what to do, and the lines
// of `edo-clerk poa use`; why `poa create` issues nothing, and why the hub refused to register an
// МЧД or to accept a signature under one, by the hub's code, its own words kept beside them for
// the details. Russian unless English is chosen. Pure, no Node.
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
  'issue.unknown-power': '«{code}» — не код полномочия классификатора ФНС, известный EDO Clerk (известны: {known})',
  'issue.other-organization':
    'Сертификат {signer} — не сертификат руководителя {organization}: в нём указан ИНН организации {orgInn}, а нужен {inn} (ИНН ЮЛ). Ничего не подписано.',
  'issue.no-ogrn': 'В сертификате руководителя ({signer}) не указан ОГРН организации. Ничего не подписано.',
  'issue.no-person-id': 'В сертификате представителя ({signer}) нет ни ИНН, ни СНИЛС: МЧД не может его назвать',
  'issue.no-kpp': 'Сервер обмена не знает КПП организации {name}, а МЧД его называет',
  'issue.no-certificate': 'В файле представителя нет сертификата (нужен PEM или DER)',
  'hub.poa-format-invalid': 'файл не МЧД формата EMCHD_1',
  'hub.poa-principal-mismatch': 'доверитель в МЧД — не {organization} (ИНН, КПП и ОГРН должны совпадать)',
  'hub.poa-signature-invalid': 'подпись руководителя под МЧД недействительна',
  'hub.poa-signer-not-director':
    'МЧД подписал не руководитель {organization}: нужна подпись лица без доверенности, названного в МЧД, его сертификатом с ИНН организации',
  'hub.poa-dates-invalid': 'МЧД подписана после окончания срока её действия',
  'hub.poa-representative-unknown':
    'представитель, названный в МЧД, не пользователь {organization} на сервере обмена: сначала зарегистрируйте его сертификат',
  'hub.poa-exists': 'МЧД с этим номером уже зарегистрирована',
  'hub.poa-required': 'подпись личным сертификатом без МЧД',
  'hub.poa-unknown': 'МЧД не зарегистрирована на сервере обмена',
  'hub.poa-not-in-force': 'МЧД не действовала на момент подписи',
  'hub.poa-revoked': 'МЧД отозвана доверителем',
  'hub.poa-other-person': 'МЧД выдана другому человеку',
  'hub.poa-power-missing': 'МЧД не даёт нужного полномочия',
  hubRefused: 'Сервер обмена отказал ({code}): {reason}. Ответ сервера: {detail}',
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
  'issue.unknown-power': '"{code}" is not a power code EDO Clerk knows from the FNS classifier (known: {known})',
  'issue.other-organization':
    "The certificate of {signer} is not one of {organization}'s director: it names the organization INN {orgInn}, not {inn} (INNLE). Nothing was signed.",
  'issue.no-ogrn': "The director's certificate ({signer}) names no OGRN of the organization. Nothing was signed.",
  'issue.no-person-id':
    "The representative's certificate ({signer}) names neither an INN nor a SNILS: an МЧД cannot name them",
  'issue.no-kpp': 'The hub knows no KPP of {name}; an МЧД names it',
  'issue.no-certificate': "The representative's file holds no certificate (PEM or DER is needed)",
  'hub.poa-format-invalid': 'the file is not an МЧД of format EMCHD_1',
  'hub.poa-principal-mismatch': 'the principal in the МЧД is not {organization} (INN, KPP and OGRN must match)',
  'hub.poa-signature-invalid': "the director's signature over the МЧД is not valid",
  'hub.poa-signer-not-director':
    "the МЧД is not signed by {organization}'s director: it needs the signature of the person acting without a power of attorney it names, with their certificate naming the organization",
  'hub.poa-dates-invalid': 'the МЧД was signed after its term ended',
  'hub.poa-representative-unknown':
    'the representative the МЧД names is not a user of {organization} at the exchange hub: register their certificate first',
  'hub.poa-exists': 'an МЧД with this number is registered already',
  'hub.poa-required': 'a signature with a personal certificate and no МЧД',
  'hub.poa-unknown': 'the МЧД is not registered at the exchange hub',
  'hub.poa-not-in-force': 'the МЧД was not in force at the signing time',
  'hub.poa-revoked': 'the МЧД was revoked by the principal',
  'hub.poa-other-person': 'the МЧД is issued to another person',
  'hub.poa-power-missing': 'the МЧД does not grant the power needed',
  hubRefused: 'The exchange hub refused ({code}): {reason}. The hub said: {detail}',
};

type Key = keyof typeof ru;

/** "2026-12-02" → "02.12.2026", as a clerk writes dates. */
const clerkDate = (iso: string | undefined) => (iso ? iso.split('-').reverse().join('.') : '?');

/** A line in the clerk's words; a refusal's line is keyed by its code. */
export function powerOfAttorneyText(
  key: Key,
  facts: Partial<PowerOfAttorneyFacts> & Record<string, string | undefined>,
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
  for (const [name, value] of Object.entries(facts)) if (!(name in values) && value !== undefined) values[name] = value;
  return w[key].replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? `{${name}}`);
}

/** The hub's codes about МЧД, its registration's and a signature's under one. */
export type HubPowerOfAttorneyCode = Extract<Key, `hub.${string}`> extends `hub.${infer C}` ? C : never;

export const isHubPowerOfAttorneyCode = (code: string): code is HubPowerOfAttorneyCode => `hub.${code}` in ru;

/**
 * The hub's refusal about an МЧД in the clerk's words, by its code; the hub's own message
 * (English, with the details: which field, which dates) follows as it came.
 */
export function hubPowerOfAttorneyRefusal(
  code: HubPowerOfAttorneyCode,
  hubMessage: string,
  organization: string | undefined,
  language: Language = 'ru',
): string {
  const reason = powerOfAttorneyText(`hub.${code}`, { organization }, language);
  return powerOfAttorneyText('hubRefused', { code, reason, detail: hubMessage }, language);
}
