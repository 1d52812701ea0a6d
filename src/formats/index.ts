// FNS service documents, format 1.03: build, read, and the schema files they follow.

export { FormatError } from './format-error';
export type {
  ElectronicPowerOfAttorney,
  ForeignParty,
  Operator,
  Organization,
  PaperPowerOfAttorney,
  Participant,
  Person,
  ReferencedFile,
  ServiceDocument,
  ServiceDocumentFile,
  ServiceDocumentKind,
  SignerAuthority,
  SignerOfDocument,
} from './types';
export {
  buildClarificationRequest,
  buildReceiptConfirmation,
  buildReceiptNotice,
  buildSendConfirmation,
  DEFAULT_PROGRAM_VERSION,
  FORMAT_VERSION,
  MOSCOW_UTC_OFFSET_MINUTES,
  parseServiceDocument,
  SERVICE_DOCUMENT_FORMATS,
  type ClarificationRequestInput,
  type ParseOptions,
  type ReceiptConfirmationInput,
  type ReceiptNoticeInput,
  type SendConfirmationInput,
} from './service-documents';
