// The proposal to annul an electronic document (ПРА), format DP_PRANNUL 1.02, as operators
// exchange it for non-formalized documents (docs/architecture.md §5a). The element spec
// transcribes ./xsd/DP_PRANNUL_1_985_00_01_01_02.xsd; the tests validate the builder's output
// against it with xmllint. The file name follows the service documents' rule
// (DP_PRANNUL_<recipient id>_<sender id>_<YYYYMMDD>_<GUID>) and equals ИдФайл.
import { FormatError } from './format-error';
import { types, validateElement, type ElementSpec } from './schema';
import {
  attr,
  checkFileId,
  child,
  DEFAULT_PROGRAM_VERSION,
  el,
  fileInfoElement,
  fioElement,
  fioSpec,
  makeFileId,
  MOSCOW_UTC_OFFSET_MINUTES,
  need,
  only,
  opt,
  participantChoice,
  participantElement,
  readFileInfo,
  readFio,
  readParticipant,
  req,
  text,
} from './service-documents';
import type { Participant, ReferencedFile, ServiceDocumentFile } from './types';
import { readXml, writeXml } from './xml';

export const ANNULMENT_FORMAT_VERSION = '1.02';
export const ANNULMENT_FILE_PREFIX = 'DP_PRANNUL';
export const ANNULMENT_SCHEMA_FILE = 'DP_PRANNUL_1_985_00_01_01_02.xsd';

// Format 1.02 knows organizations and entrepreneurs only (no persons, no foreign participants).
const participantSpec = (name: string): ElementSpec => ({
  name,
  attributes: { ИдУчастЭДО: req(types.participantId) },
  choice: participantChoice.filter((c) => c.name === 'ЮЛ' || c.name === 'ИП'),
});

const SPEC: ElementSpec = {
  name: 'Файл',
  attributes: {
    ИдФайл: req(text(1, 200)),
    ВерсПрог: req(text(1, 40)),
    ВерсФорм: req({
      describe: `format version ${ANNULMENT_FORMAT_VERSION}`,
      minLength: 1,
      maxLength: 5,
      enumeration: [ANNULMENT_FORMAT_VERSION],
    }),
  },
  sequence: [
    {
      name: 'Документ',
      sequence: [
        participantSpec('УчастЭДО'),
        {
          name: 'СвПредАн',
          sequence: [
            {
              name: 'СведАнФайл',
              attributes: { ИмяАнФайла: req(text(1, 255)) },
              sequence: [{ name: 'ЭЦПАнФайл', maxOccurs: Infinity, text: text(1) }],
            },
            { name: 'ТекстПредАн', text: text(0) },
          ],
        },
        participantSpec('НапрПредАн'),
        { name: 'Подписант', minOccurs: 0, attributes: { Должность: opt(text(1, 1000)) }, sequence: [fioSpec()] },
      ],
    },
  ],
};

export interface AnnulmentProposalInput {
  /** Who proposes: either side of the document. */
  sender: Participant;
  /** The other side, to whom the proposal goes (НапрПредАн). */
  receiver: Participant;
  /** The document to annul, with its signatures as exchanged. */
  annulledFile: ReferencedFile;
  /** Why (ТекстПредАн). */
  reason: string;
  signer?: { surname: string; name: string; patronymic?: string; position?: string };
  now?: Date;
  id?: string;
  programVersion?: string;
  utcOffsetMinutes?: number;
}

export interface AnnulmentProposal {
  fileId: string;
  formatVersion: string;
  programVersion: string;
  sender: Participant;
  receiver: Participant;
  annulledFile: ReferencedFile;
  reason: string;
  signer?: { surname: string; name: string; patronymic?: string; position?: string };
}

export function buildAnnulmentProposal(input: AnnulmentProposalInput): ServiceDocumentFile {
  if (input.annulledFile.signatures.length === 0)
    throw new FormatError('the annulled file needs at least one signature', 'annulledFile.signatures');
  const offset = input.utcOffsetMinutes ?? MOSCOW_UTC_OFFSET_MINUTES;
  const fileId = makeFileId(
    ANNULMENT_FILE_PREFIX,
    input.receiver.id,
    input.sender.id,
    input.now ?? new Date(),
    offset,
    input.id,
  );
  const root = el(
    'Файл',
    { ИдФайл: fileId, ВерсПрог: input.programVersion ?? DEFAULT_PROGRAM_VERSION, ВерсФорм: ANNULMENT_FORMAT_VERSION },
    [
      el('Документ', {}, [
        participantElement('УчастЭДО', input.sender, 'sender'),
        el('СвПредАн', {}, [
          fileInfoElement('СведАнФайл', 'ЭЦПАнФайл', 'ИмяАнФайла', input.annulledFile, 'annulledFile'),
          el('ТекстПредАн', {}, [], input.reason),
        ]),
        participantElement('НапрПредАн', input.receiver, 'receiver'),
        ...(input.signer
          ? [el('Подписант', { Должность: input.signer.position || undefined }, [fioElement(input.signer)])]
          : []),
      ]),
    ],
  );
  validateElement(root, SPEC);
  return { fileName: `${fileId}.xml`, fileId, xml: writeXml(root) };
}

/** Reads a ПРА: its shape against the format, and ИдФайл against the naming rule and `fileName` when given. */
export function parseAnnulmentProposal(xml: Buffer, fileName?: string): AnnulmentProposal {
  const root = readXml(xml);
  if (root.name !== 'Файл')
    throw new FormatError(`the root element is ${root.name}; an annulment proposal has the root Файл`, root.name);
  validateElement(root, SPEC);
  const doc = only(root, 'Документ');
  const sender = readParticipant(only(doc, 'УчастЭДО')).participant as Participant;
  const receiver = readParticipant(only(doc, 'НапрПредАн')).participant as Participant;
  const fileId = need(root, 'ИдФайл');
  checkFileId(ANNULMENT_FILE_PREFIX, fileId, receiver.id, sender.id, fileName);
  const info = only(doc, 'СвПредАн');
  const signer = child(doc, 'Подписант');
  const position = signer && attr(signer, 'Должность');
  return {
    fileId,
    formatVersion: need(root, 'ВерсФорм'),
    programVersion: need(root, 'ВерсПрог'),
    sender,
    receiver,
    annulledFile: readFileInfo(only(info, 'СведАнФайл'), 'ЭЦПАнФайл', 'ИмяАнФайла', 'Файл/Документ/СвПредАн'),
    reason: only(info, 'ТекстПредАн').text ?? '',
    ...(signer ? { signer: { ...readFio(only(signer, 'ФИО')), ...(position ? { position } : {}) } } : {}),
  };
}
