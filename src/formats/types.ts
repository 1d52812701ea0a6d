// The clerk-side picture of the FNS service documents (format 1.03): who takes part, who
// signs, and what a parsed service document says. Builders and the reader share these types.

export interface Organization {
  name: string;
  inn: string;
  /** Required by format 1.03 (ЮЛ/@КПП) whenever an organization appears in a document. */
  kpp?: string;
}

export interface Person {
  surname: string;
  name: string;
  patronymic?: string;
  /** Required by format 1.03 (ИННФЛ) whenever a person appears in a document. */
  inn?: string;
  /** An individual entrepreneur (element ИП) rather than a private person (element ФЛ). */
  entrepreneur?: boolean;
}

/** A foreign party not registered with the Russian tax authority (СвИнУчастНеУч). */
export interface ForeignParty {
  status: 'organization' | 'person';
  name?: string;
  /** OKSM country code, 3 digits. */
  country?: string;
  taxCode?: string;
  otherDetails?: string;
}

/** An EDO participant: its id (ИдУчастЭДО) and exactly one of organization, person, foreign. */
export interface Participant {
  id: string;
  organization?: Organization;
  person?: Person;
  foreign?: ForeignParty;
}

/** The EDO operator (ОперЭДО): here, the hub. */
export interface Operator {
  name: string;
  inn: string;
  /** ИдОперЭДО, 3 characters. */
  id: string;
}

/** СтатПодп: 1 employee, 2 representative under an electronic power of attorney, 3 under a paper one. */
export type SignerAuthority = 'employee' | 'electronic-poa' | 'paper-poa';

/** Dates without time are ISO calendar dates, YYYY-MM-DD. */
export interface ElectronicPowerOfAttorney {
  kind: 'electronic';
  /** НомДовер: the 36-character number (a GUID). */
  number: string;
  issuedOn: string;
  internalNumber?: string;
  internallyRegisteredOn?: string;
  /** Where the power of attorney is kept (ИдСистХран / СвСистХран); given, it is "presented by reference". */
  storage?: string;
}

export interface PaperPowerOfAttorney {
  kind: 'paper';
  issuedOn: string;
  internalNumber: string;
  /** Who granted it (СвДовер / СвИдДовер). */
  principal?: string;
  signedBy?: { surname: string; name: string; patronymic?: string };
}

export interface SignerOfDocument {
  surname: string;
  name: string;
  patronymic?: string;
  /** Должн (ИОП, УОУ; may be empty there) or Должность (operator confirmations; required). */
  position: string;
  authority?: SignerAuthority;
  powerOfAttorney?: ElectronicPowerOfAttorney | PaperPowerOfAttorney;
}

/** The file a service document is about, with its detached signatures (DER CMS). */
export interface ReferencedFile {
  name: string;
  signatures: Buffer[];
}

export interface ServiceDocumentFile {
  /** `${fileId}.xml`: FNS requires the name (without extension) to equal ИдФайл. */
  fileName: string;
  fileId: string;
  /** windows-1251 bytes. */
  xml: Buffer;
}

export type ServiceDocumentKind =
  'receipt-notice' | 'clarification-request' | 'send-confirmation' | 'receipt-confirmation';

export interface ServiceDocument {
  kind: ServiceDocumentKind;
  fileId: string;
  formatVersion: string;
  programVersion?: string;
  /**
   * ИОП/УОУ: the participant who issued it (УчастЭДО). Operator confirmations: the sender of
   * the confirmed document (СвОтпрДок).
   */
  sender: Participant;
  /**
   * ИОП/УОУ: the sender of the received document (ОтпрДок), absent when that was the operator.
   * Operator confirmations: the document's recipient (СвПолДок).
   */
  receiver?: Participant;
  /** Operator confirmations: the issuing operator. ИОП: the operator when ОтпрДок is ОперЭДО. */
  operator?: Operator;
  /** Date and time of receipt (ИОП, УОУ, ПДПОЛ) or of sending (ПДОТПР), as the document states. */
  date: Date;
  referencedFile: ReferencedFile;
  signer?: SignerOfDocument;
  /** УОУ: the text of the clarification request. */
  text?: string;
}
