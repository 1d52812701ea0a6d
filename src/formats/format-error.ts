// The one error of src/formats: a service document that cannot be built or read, with the
// place in the document (an XPath-like path such as "Файл/Документ/СвИзвПолуч/@ДатаПол", or an
// input field such as "signer.position") so the hub and the clerk can say what is wrong.

export class FormatError extends Error {
  readonly field?: string;

  constructor(message: string, field?: string) {
    super(field ? `${message} (at ${field})` : message);
    this.name = 'FormatError';
    if (field !== undefined) this.field = field;
  }
}
