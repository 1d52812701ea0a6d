// The service documents this client signs (ИОП, УОУ), built by src/formats from what the
// session knows: who we are (the login answer), the counterparty (the directory), the
// received file and its signatures, and who signs (the signer's certificate).
import { describeCertificate } from '../crypto/certificates';
import { buildClarificationRequest, buildReceiptNotice, type Participant, type SignerOfDocument } from '../formats';
import type { Subscriber } from '../store';
import { underPowerOfAttorney } from './representative';
import type { ServiceDocumentContext, ServiceDocumentFactory, ServiceDocumentFile } from './session';

/**
 * A subscriber as an EDO participant: the hub's subscriber id is the ИдУчастЭДО (the operator's
 * id and a unique part). A 12-digit INN without a KPP is an individual entrepreneur, named
 * "Surname Name Patronymic" — the same reading as the hub's, or the hub refuses the document.
 */
export function participantOf(s: { id: string; name: string; inn?: string | null; kpp?: string | null }): Participant {
  const inn = s.inn ?? '';
  if (inn.length === 12 && !s.kpp) {
    const [surname = s.name, name = '-', ...rest] = s.name.split(/\s+/);
    return {
      id: s.id,
      person: { surname, name, ...(rest.length ? { patronymic: rest.join(' ') } : {}), inn, entrepreneur: true },
    };
  }
  return { id: s.id, organization: { name: s.name, inn, ...(s.kpp ? { kpp: s.kpp } : {}) } };
}

/** Who signs, as the FNS XML names them: read from the signer's certificate. */
export function signerOf(certificate: Buffer): SignerOfDocument {
  const who = describeCertificate(certificate);
  const [name = who.givenNames ?? who.commonName, ...rest] = (who.givenNames ?? '').split(/\s+/).filter(Boolean);
  const surname = who.surname ?? who.commonName.split(/\s+/)[0] ?? who.commonName;
  return {
    surname,
    name,
    ...(rest.length ? { patronymic: rest.join(' ') } : {}),
    position: who.position ?? '',
    authority: 'employee',
  };
}

export function formatsServiceDocuments(options: {
  counterparty: (subscriberId: string) => Subscriber | undefined;
}): ServiceDocumentFactory {
  const common = (ctx: ServiceDocumentContext) => {
    const doc = ctx.document;
    const counterparty = options.counterparty(doc.counterpartyId) ?? {
      id: doc.counterpartyId,
      name: doc.counterpartyName,
    };
    return {
      now: ctx.now,
      sender: participantOf(ctx.me.subscriber),
      receiver: participantOf(counterparty),
      receivedAt: new Date(doc.receivedAt ?? doc.createdAt),
      receivedFile: { name: doc.fileName, signatures: ctx.documentSignatures },
      signer: underPowerOfAttorney(signerOf(ctx.signerCertificate), ctx.powerOfAttorney),
    };
  };
  return {
    receipt(ctx): ServiceDocumentFile {
      const file = buildReceiptNotice(common(ctx));
      return { fileName: file.fileName, xml: file.xml };
    },
    clarification(ctx): ServiceDocumentFile {
      const base = common(ctx);
      const file = buildClarificationRequest({
        ...base,
        receivedFile: { ...base.receivedFile, signatures: base.receivedFile.signatures.slice(0, 1) },
        text: ctx.text,
      });
      return { fileName: file.fileName, xml: file.xml };
    },
  };
}
