// The document card (docs/architecture.md §7): an A4 PDF a person reads. The document's facts,
// a stamp block per signature in the usual shape of a "штамп об электронной подписи", the
// service documents with their signers and times, the archive entry, and on every page a QR
// code with the verification reference. A PDF original comes first, its own pages with the
// stamp drawn on them. pdf-lib writes it with the DejaVu Sans font the app ships (assets/fonts).
import { readFileSync } from 'node:fs';
import fontkit from '@pdf-lib/fontkit';
import { PDFDocument, PageSizes, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import QRCode from 'qrcode';
import { ANNULMENT_FILE_PREFIX, parseAnnulmentProposal, parsePowerOfAttorney, parseServiceDocument } from '../formats';
import type { SignedUnderPowerOfAttorney } from '../protocol/powers-of-attorney';
import { analyzeSignature, evidenceBeside, type SignatureFacts } from './analyze';
import {
  verificationReference,
  type Evidence,
  type EvidencePowerOfAttorney,
  type EvidenceServiceDocument,
  type EvidenceSignature,
} from './collect';
import { evidenceDate, evidenceText, evidenceTime, type EvidenceKey, type EvidenceLanguage } from './i18n';

const fontsFolder = new URL('../../assets/fonts/', import.meta.url);

export interface CardOptions {
  language?: EvidenceLanguage;
  /** The folder of DejaVuSans.ttf and DejaVuSans-Bold.ttf; default the app's assets/fonts. */
  fontsFolder?: string;
}

interface Fonts {
  regular: PDFFont;
  bold: PDFFont;
}

const margin = 40;
const qrSize = 80;
const ink = rgb(0, 0, 0);
const stampBlue = rgb(0.1, 0.2, 0.6);

/** A QR code drawn as squares (crisp at any zoom, read by zbarimg from a 150 dpi render). */
function drawQr(page: PDFPage, text: string, x: number, y: number, size: number): void {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const n = qr.modules.size;
  const quiet = 4;
  const cell = size / (n + 2 * quiet);
  page.drawRectangle({ x, y, width: size, height: size, color: rgb(1, 1, 1) });
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      if (qr.modules.get(r, c))
        page.drawRectangle({
          x: x + (quiet + c) * cell,
          y: y + size - (quiet + r + 1) * cell,
          width: cell,
          height: cell,
          color: ink,
        });
    }
  }
}

/** Splits text into lines no wider than `width` (long digests break anywhere). */
function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/(\s+)/)) {
    const candidate = line + word;
    if (font.widthOfTextAtSize(candidate, size) <= width) {
      line = candidate;
      continue;
    }
    if (line.trim()) lines.push(line.trimEnd());
    line = word.trimStart();
    while (font.widthOfTextAtSize(line, size) > width) {
      let cut = line.length - 1;
      while (cut > 1 && font.widthOfTextAtSize(line.slice(0, cut), size) > width) cut--;
      lines.push(line.slice(0, cut));
      line = line.slice(cut);
    }
  }
  if (line.trim()) lines.push(line.trimEnd());
  return lines.length ? lines : [''];
}

/** Text flowing down the card pages, a new page when one is full. */
class CardWriter {
  private page!: PDFPage;
  private y = 0;
  readonly pages: PDFPage[] = [];

  constructor(
    private readonly pdf: PDFDocument,
    private readonly fonts: Fonts,
  ) {
    this.newPage();
  }

  private newPage(): void {
    this.page = this.pdf.addPage(PageSizes.A4);
    this.pages.push(this.page);
    this.y = this.page.getHeight() - margin - qrSize - 10;
  }

  private room(height: number): void {
    if (this.y - height < margin + 20) this.newPage();
  }

  heading(text: string, size = 13): void {
    this.room(size + 14);
    this.y -= size + 8;
    this.page.drawText(text, { x: margin, y: this.y, size, font: this.fonts.bold, color: ink });
    this.y -= 4;
  }

  /** "label: value" lines; the value wraps under itself. */
  field(label: string, value: string, indent = 0, color = ink): void {
    const size = 9;
    const labelWidth = 150;
    const x = margin + indent;
    const width = this.page.getWidth() - margin - x - labelWidth;
    const lines = wrap(value, this.fonts.regular, size, width);
    // A label wider than its column ("Подтверждение даты отправки (ПДОТПР)") takes a line of its own
    // and the value starts under it, instead of the two running into each other.
    const own = this.fonts.bold.widthOfTextAtSize(`${label}:`, size) > labelWidth - 6;
    this.room((lines.length + (own ? 1 : 0)) * (size + 3) + 2);
    this.page.drawText(`${label}:`, { x, y: this.y - size, size, font: this.fonts.bold, color });
    if (own) this.y -= size + 3;
    for (const line of lines) {
      this.y -= size + 3;
      this.page.drawText(line, { x: x + labelWidth, y: this.y, size, font: this.fonts.regular, color });
    }
    this.y -= 2;
  }

  /** A framed block: the stamp. Rows are measured first so the frame never splits across pages. */
  stamp(heading: string, rows: [string, string][]): void {
    const size = 8.5;
    const labelWidth = 130;
    const x = margin;
    const width = this.page.getWidth() - 2 * margin;
    const wrapped = rows.map(
      ([label, value]) => [label, wrap(value, this.fonts.regular, size, width - labelWidth - 16)] as const,
    );
    const height = 22 + wrapped.reduce((h, [, lines]) => h + lines.length * (size + 3), 0) + 8;
    this.room(height + 10);
    this.y -= 8;
    const top = this.y;
    this.page.drawRectangle({ x, y: top - height, width, height, borderColor: stampBlue, borderWidth: 1.5 });
    this.page.drawText(heading, { x: x + 8, y: top - 15, size: 10, font: this.fonts.bold, color: stampBlue });
    let y = top - 22;
    for (const [label, lines] of wrapped) {
      this.page.drawText(`${label}:`, { x: x + 8, y: y - size, size, font: this.fonts.bold, color: stampBlue });
      for (const line of lines) {
        y -= size + 3;
        this.page.drawText(line, { x: x + 8 + labelWidth, y, size, font: this.fonts.regular, color: stampBlue });
      }
    }
    this.y = top - height - 4;
  }
}

function who(facts: SignatureFacts, none: string): { name: string; position: string; organization: string } {
  const s = facts.signer;
  const name = s ? [s.surname, s.givenNames].filter(Boolean).join(' ') || s.commonName : none;
  return {
    name,
    position: s?.position || none,
    organization: s ? [s.organization, s.orgInn && `ИНН ${s.orgInn}`].filter(Boolean).join(', ') || none : none,
  };
}

function party(p: Evidence['document']['sender']): string {
  return [p.name, `ИНН ${p.inn}`, p.kpp && `КПП ${p.kpp}`].filter(Boolean).join(', ');
}

/** The stamp rows of one signature, as the card and the stamps on a PDF original's pages show them. */
function stampRows(
  facts: SignatureFacts,
  l: EvidenceLanguage,
  poa?: string,
  side?: EvidenceSignature['by'],
): [string, string][] {
  const t = (k: EvidenceKey, v?: Record<string, string | number>) => evidenceText(l, k, v);
  const none = t('none');
  const person = who(facts, none);
  const s = facts.signer;
  return [
    ...(side ? [[t('card.stamp.side'), t(`side.${side}`)] as [string, string]] : []),
    [t('card.stamp.signer'), person.name],
    [t('card.stamp.position'), person.position],
    [t('card.stamp.organization'), person.organization],
    [t('card.stamp.serial'), s?.serialNumber ?? none],
    [t('card.stamp.issuer'), s?.issuer ?? none],
    [
      t('card.stamp.validity'),
      s ? t('card.stamp.validityRange', { from: evidenceTime(s.notBefore, l), to: evidenceTime(s.notAfter, l) }) : none,
    ],
    [t('card.stamp.signingTime'), evidenceTime(facts.signingTime, l)],
    [
      t('card.stamp.timestamp'),
      facts.timestamp ? `${evidenceTime(facts.timestamp.at, l)}, ${facts.timestamp.tsa}` : none,
    ],
    [t('card.stamp.status'), facts.status ? t(`status.${facts.status}`) : none],
    [t('card.stamp.form'), facts.form],
    ...(poa ? [[t('card.stamp.poa'), poa] as [string, string]] : []),
    [t('card.stamp.verdict'), t(`verdict.${facts.verdict}`)],
  ];
}

/** The principal and the representative of an МЧД in words: from its XML, else the hub's record. */
function poaParties(p: EvidencePowerOfAttorney): { principal: string; representative: string } {
  const r = p.record.representative;
  const representative = [r.name, r.inn && `ИНН ${r.inn}`, r.snils && `СНИЛС ${r.snils}`].filter(Boolean).join(', ');
  let name: string | undefined;
  try {
    name = parsePowerOfAttorney(p.xml, p.record.fileName).principals[0]?.organization?.name;
  } catch {
    name = undefined; // the verifier names an МЧД that does not follow its schema
  }
  return { principal: [name, `ИНН ${p.record.principalInn}`].filter(Boolean).join(', '), representative };
}

/** The stamp's МЧД row: the МЧД a signature was made under, as the hub accounted for it at the signing time. */
function poaLine(
  used: SignedUnderPowerOfAttorney | undefined,
  evidence: Evidence,
  l: EvidenceLanguage,
): string | undefined {
  if (!used) return undefined;
  const kept = evidence.powersOfAttorney.find(
    (p) => p.record.number.toLowerCase() === used.number.toLowerCase() && p.record.principalInn === used.principalInn,
  );
  const parties = kept
    ? poaParties(kept)
    : { principal: `ИНН ${used.principalInn}`, representative: evidenceText(l, 'none') };
  return evidenceText(l, 'card.poa.line', {
    number: used.number,
    ...parties,
    from: evidenceDate(used.issuedOn, l),
    to: evidenceDate(used.validUntil, l),
    status: evidenceText(l, `poaStatus.${used.status}`),
  });
}

/** МЧД number and principal where the service document names one (СвДовер / СвИдДовер). */
function powerOfAttorneyOf(sd: EvidenceServiceDocument): string | undefined {
  try {
    const poa = parseServiceDocument(sd.xml, sd.fileName).signer?.powerOfAttorney;
    if (!poa) return undefined;
    return poa.kind === 'electronic'
      ? `№ ${poa.number} (${poa.issuedOn})`
      : `${poa.internalNumber}${poa.principal ? `, ${poa.principal}` : ''}`;
  } catch {
    return undefined; // the verifier names a service document that does not follow its schema
  }
}

/**
 * What the service document states, read from its signed XML: a УОУ's text (a refusal's, a
 * clarification request's, an annulment rejection's), a ПРА's reason once (its acceptance signs the same XML).
 */
function statedText(sd: EvidenceServiceDocument): string | undefined {
  try {
    if (sd.fileName.startsWith(`${ANNULMENT_FILE_PREFIX}_`))
      return sd.type === 'annulment-proposal'
        ? parseAnnulmentProposal(sd.xml, sd.fileName).reason || undefined
        : undefined;
    return parseServiceDocument(sd.xml, sd.fileName).text || undefined;
  } catch {
    return undefined; // the verifier names a service document that does not follow its schema
  }
}

function loadFonts(folder: string | URL) {
  const base = typeof folder === 'string' ? `${folder.replace(/\/?$/, '/')}` : folder;
  const read = (name: string) => readFileSync(typeof base === 'string' ? `${base}${name}` : new URL(name, base));
  return { regular: read('DejaVuSans.ttf'), bold: read('DejaVuSans-Bold.ttf') };
}

/** A PDF original, or undefined when the bytes are not a PDF pdf-lib can open (then the card pages stand alone). */
async function openOriginal(bytes: Buffer): Promise<PDFDocument | undefined> {
  if (bytes.subarray(0, 5).toString('latin1') !== '%PDF-') return undefined;
  try {
    return await PDFDocument.load(bytes, { updateMetadata: false });
  } catch {
    return undefined;
  }
}

export async function buildCard(evidence: Evidence, options: CardOptions = {}): Promise<Buffer> {
  const l = options.language ?? 'ru';
  const t = (k: EvidenceKey, v?: Record<string, string | number>) => evidenceText(l, k, v);
  const d = evidence.document;
  const reference = verificationReference(d);
  // As the package's verifier judges them: what each signature carries, and the status evidence kept beside it.
  const analyze = (cms: Buffer, content: Buffer, at: string, beside: { source: string; der: Buffer }[] = []) =>
    analyzeSignature(cms, content, {
      trustedRoots: evidence.trustedRoots,
      operatorCertificate: evidence.operatorCertificate,
      at: new Date(at),
      evidence: evidenceBeside(beside),
    });
  const signatures = await Promise.all(
    evidence.signatures.map((s) => analyze(s.cms, evidence.original, s.at, s.statusEvidence)),
  );
  const services = await Promise.all(
    evidence.serviceDocuments.map(async (sd) => ({
      sd,
      facts: await analyze(sd.signature, sd.xml, sd.at, sd.statusEvidence),
    })),
  );
  const powers = await Promise.all(
    evidence.powersOfAttorney.map(async (p) => {
      const o = {
        trustedRoots: evidence.trustedRoots,
        operatorCertificate: evidence.operatorCertificate,
        at: new Date(p.record.registeredAt),
        evidence: evidenceBeside(p.statusEvidence),
      };
      return { p, facts: await analyzeSignature(p.signature, p.xml, o) };
    }),
  );

  const original = await openOriginal(evidence.original);
  const pdf = original ?? (await PDFDocument.create());
  pdf.registerFontkit(fontkit);
  const bytes = loadFonts(options.fontsFolder ?? fontsFolder);
  const fonts: Fonts = {
    regular: await pdf.embedFont(bytes.regular, { subset: true }),
    bold: await pdf.embedFont(bytes.bold, { subset: true }),
  };
  const originalPages = pdf.getPages();
  if (original) for (const page of originalPages) drawPageStamp(page, signatures[0], fonts, l, reference);

  const w = new CardWriter(pdf, fonts);
  w.heading(t('card.title'), 16);
  w.heading(t('card.document'));
  w.field(t('card.name'), d.title);
  w.field(t('card.file'), d.fileName);
  w.field(t('card.size'), t('card.bytes', { n: d.size }));
  w.field(t('card.sha256'), d.sha256);
  w.field(t('card.streebog'), d.streebog256);
  w.field(t('card.hubId'), d.hubId);
  w.field(t('card.sender'), party(d.sender));
  w.field(t('card.recipient'), party(d.recipient));
  w.field(t('card.sentAt'), evidenceTime(d.sentAt, l));
  if (d.signatureState) w.field(t('card.workflow.signature'), t(`signatureState.${d.signatureState}`));
  if (d.annulmentState) w.field(t('card.workflow.annulment'), t(`annulmentState.${d.annulmentState}`));
  for (const [i, facts] of signatures.entries()) {
    const s = evidence.signatures[i]!;
    w.stamp(t('card.stamp.heading'), stampRows(facts, l, poaLine(s.powerOfAttorney, evidence, l), s.by));
  }

  w.heading(t('card.services'));
  for (const { sd, facts } of services) {
    const none = t('none');
    const person = who(facts, none);
    w.field(t(`kind.${sd.type}`), sd.fileName);
    const stated = statedText(sd);
    if (stated) w.field(t('card.service.reason'), stated, 12);
    // A personal certificate (a representative under an МЧД) names no position or organization.
    const known = [person.name, person.position, person.organization].filter((part) => part !== none);
    w.field(t('card.stamp.signer'), known.join(', ') || none, 12);
    w.field(
      t('card.stamp.signingTime'),
      `${evidenceTime(facts.signingTime ?? sd.at, l)}${facts.timestamp ? `; ${t('card.stamp.timestamp')}: ${evidenceTime(facts.timestamp.at, l)}` : ''}`,
      12,
    );
    const poa = poaLine(sd.powerOfAttorney, evidence, l) ?? powerOfAttorneyOf(sd);
    if (poa) w.field(t('card.stamp.poa'), poa, 12);
    w.field(t('card.stamp.verdict'), t(`verdict.${facts.verdict}`), 12);
  }

  if (powers.length) w.heading(t('card.poa.heading'));
  for (const { p, facts } of powers) {
    const parties = poaParties(p);
    w.field(t('card.poa.number'), p.record.number);
    w.field(t('card.poa.principal'), parties.principal, 12);
    w.field(t('card.poa.representative'), parties.representative, 12);
    w.field(
      t('card.poa.term'),
      t('card.poa.termRange', { from: evidenceDate(p.record.issuedOn, l), to: evidenceDate(p.record.validUntil, l) }),
      12,
    );
    w.field(
      t('card.poa.status'),
      t('card.poa.statusLine', { status: t(`poaStatus.${p.record.status}`), at: evidenceTime(p.recordAt, l) }),
      12,
    );
    w.field(
      t('card.poa.powers'),
      [...p.record.powers, p.record.powersText].filter(Boolean).join('; ') || t('none'),
      12,
    );
    const signer = who(facts, t('none'));
    w.field(
      t('card.poa.signature'),
      `${[signer.name, signer.position !== t('none') ? signer.position : ''].filter(Boolean).join(', ')}: ${t(`verdict.${facts.verdict}`)}`,
      12,
    );
  }

  w.heading(t('card.archive'));
  const a = evidence.archive;
  if (a) {
    w.field(t('card.archive'), t('card.archive.entry', { index: a.entry.index, leaf: a.entry.leafHash }));
    w.field(
      t('card.archive'),
      t('card.archive.head', {
        size: a.treeHead.treeSize,
        root: a.treeHead.rootHash,
        at: evidenceTime(new Date(a.treeHead.timestamp), l),
      }),
    );
  } else {
    w.field(t('card.archive'), t('card.archive.none'));
  }

  const all = pdf.getPages();
  for (const [i, page] of w.pages.entries()) {
    const top = page.getHeight() - margin;
    drawQr(page, reference, page.getWidth() - margin - qrSize, top - qrSize, qrSize);
    page.drawText(`${t('card.reference')}:`, { x: margin, y: top - 12, size: 8, font: fonts.bold });
    for (const [n, line] of wrap(reference, fonts.regular, 7, page.getWidth() - 2 * margin - qrSize - 10).entries())
      page.drawText(line, { x: margin, y: top - 24 - n * 9, size: 7, font: fonts.regular });
    page.drawText(t('card.page', { n: originalPages.length + i + 1, of: all.length }), {
      x: margin,
      y: margin - 15,
      size: 8,
      font: fonts.regular,
    });
  }
  pdf.setTitle(`${t('card.title')}: ${d.title}`);
  pdf.setCreator('EDO Clerk');
  return Buffer.from(await pdf.save());
}

/** On each page of a PDF original: a compact stamp of the first signature and the QR, bottom left. */
function drawPageStamp(
  page: PDFPage,
  facts: SignatureFacts | undefined,
  fonts: Fonts,
  l: EvidenceLanguage,
  reference: string,
): void {
  const t = (k: EvidenceKey, v?: Record<string, string | number>) => evidenceText(l, k, v);
  const { x: left, y: bottom } = page.getCropBox?.() ?? { x: 0, y: 0 };
  const size = 6.5;
  const rows = facts
    ? stampRows(facts, l).filter(([label]) =>
        [
          t('card.stamp.signer'),
          t('card.stamp.organization'),
          t('card.stamp.serial'),
          t('card.stamp.validity'),
          t('card.stamp.timestamp'),
        ].includes(label),
      )
    : [];
  const width = 300;
  const height = 18 + rows.length * (size + 3) + 4;
  const x = left + 20;
  const y = bottom + 20;
  const qr = Math.max(height, 56);
  page.drawRectangle({
    x,
    y,
    width,
    height,
    borderColor: stampBlue,
    borderWidth: 1,
    color: rgb(1, 1, 1),
    opacity: 0.9,
  });
  page.drawText(t('card.stamp.heading'), {
    x: x + 5,
    y: y + height - 11,
    size: 7.5,
    font: fonts.bold,
    color: stampBlue,
  });
  rows.forEach(([label, value], i) => {
    const line = wrap(`${label}: ${value}`, fonts.regular, size, width - 10)[0]!;
    page.drawText(line, { x: x + 5, y: y + height - 22 - i * (size + 3), size, font: fonts.regular, color: stampBlue });
  });
  drawQr(page, reference, x + width + 6, y, qr);
}
