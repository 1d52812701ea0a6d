// An in-memory ClerkServices for the UI suites and the UI benchmark, where the core's own
// services are not wired yet: it keeps the same rules the UI relies on (a PIN with counted
// tries, Cancel that sticks, signing only with a logged-in token, paging and filters over
// any number of documents, sessions that report progress) so the UI is tested against them.
import type {
  Contact,
  DocumentDetail,
  DocumentQuery,
  DocumentRow,
  PendingItem,
  SessionProgress,
  SessionRun,
  SessionTrigger,
  Settings,
  SignOutcome,
  Subscriber,
  DayPowerOfAttorney,
  TokenStatus,
} from '../../../src/ipc/contract';
import { SessionStep } from '../../../src/ipc/contract';
import type { ClerkServices, SessionReport } from '../../../main/services';
import { MemoryArchive } from './memory-archive';
import { MemoryPowersOfAttorney } from './memory-poa';
import { workflowTransition, type WorkflowStep } from '../../../src/protocol/workflow';
import { factsOf, workflowView, type WorkflowFields } from '../../../src/workplace/workflow';

export const ourOrg: Subscriber = { id: 'sub-romashka', name: 'ООО "Ромашка"', inn: '7701234560', kpp: '770101001' };
export const counterparties: Subscriber[] = [
  { id: 'sub-vasilek', name: 'АО "Василёк"', inn: '7802345676', kpp: '780201001' },
  { id: 'sub-landysh', name: 'ООО "Ландыш"', inn: '5403456780' },
  { id: 'sub-kolokolchik', name: 'ПАО "Колокольчик"', inn: '6604567890' },
  { id: 'sub-oduvanchik', name: 'ИП Одуванчиков А. А.', inn: '500512345604' },
];

export const documentTitles = [
  'Счёт-фактура',
  'Акт сверки',
  'Договор поставки',
  'Товарная накладная',
  'Письмо',
  'Дополнительное соглашение',
  'Акт выполненных работ',
];

interface StoredDocument {
  row: DocumentRow;
  content: Buffer;
  mediaType: string;
  detail: Pick<DocumentDetail, 'signatures' | 'serviceDocuments'>;
  /** The document's own workflow, judged by the one transition function as the core does. */
  workflow: Omit<WorkflowFields, 'direction'> & { waiting: { step: WorkflowStep; reason?: string } | null };
}

export const noWorkflow = (signatureRequested = false): StoredDocument['workflow'] => ({
  signatureRequested,
  recipientSignatureState: signatureRequested ? 'signature-requested' : null,
  annulmentState: null,
  annulmentProposedByUs: null,
  waiting: null,
});

const ivanova = {
  signer: 'Иванова Мария Петровна',
  position: 'Главный бухгалтер',
  organization: ourOrg.name,
  inn: ourOrg.inn,
};
const petrov = {
  signer: 'Петров Сергей Иванович',
  position: 'Генеральный директор',
  organization: counterparties[0]!.name,
  inn: counterparties[0]!.inn,
};

/** The МЧД the clerk countersigns under (a chief accountant's personal certificate), as the hub accounts for it. */
export const clerksPowerOfAttorney = {
  number: '0b0e5a43-1c1d-4a8e-9d3f-2c7a5b6e8f90',
  principalInn: ourOrg.inn,
  issuedOn: '2026-12-01',
  validUntil: '2027-12-31',
  status: 'active' as const,
  power: 'BBDOCS_DOCS_DCSALL_SRCDOC_SOURCEDOCSGENERAL',
  checkedAt: '2026-12-03T09:00:00.000Z',
};

function signatureOf(who: typeof ivanova, at: string, valid = true) {
  return {
    ...who,
    certificateSerial: '4A0F9C21D3',
    issuer: 'Тестовый УЦ',
    signedAt: at,
    algorithm: 'ECDSA P-256, SHA-256',
    valid,
    problems: valid ? [] : (['digest-mismatch'] as const).slice(),
    // The session's long-term verdict, on the OCSP answer the hub embedded (docs/architecture.md §7).
    ...(valid
      ? {
          verdict: 'valid' as const,
          statusLine: {
            verdict: 'valid' as const,
            certificateStatus: 'good' as const,
            time: at,
            timeSource: 'timestamp' as const,
            source: 'ocsp' as const,
            by: 'CN=УЦ ОЦСП',
            from: 'embedded',
            producedAt: at,
            tsa: 'CN=TSA оператора',
          },
          checkedAt: at,
        }
      : {}),
  };
}

export interface MemoryOptions {
  /** Documents per box made up at start (the benchmark asks for 100,000). */
  generated?: number;
  pin?: string;
  mode?: Settings['mode'];
  tokenPresent?: boolean;
  /** Milliseconds per session step, so a live progress bar can be seen. */
  stepMs?: number;
  /** The day's МЧД as the profile names it, and the state the hub answers once logged in. */
  powerOfAttorney?: { attached: DayPowerOfAttorney; atHub: DayPowerOfAttorney['state'] };
}

export class MemoryClerk {
  readonly documents: StoredDocument[] = [];
  /** Newest first, as every list shows them; made again only after a document is added. */
  private byDate: StoredDocument[] | null = null;
  pending: PendingItem[] = [];
  contacts: Contact[];
  runs: SessionRun[] = [];
  settingsValue: Settings;
  private tokenState: TokenStatus;
  private triesLeft = 10;
  private tokenListeners = new Set<(s: TokenStatus) => void>();
  private seq = 0;
  /** Documents that arrive with the next session (the counterparty's sends). */
  incoming: { title: string; fileName: string; content: string; from: Subscriber; signatureRequested?: boolean }[] = [];
  sessionsRun = 0;
  /** Set to make the next session fail with this message. */
  failNext: string | null = null;
  /** The organization's archive and settings at the (imagined) hub. */
  readonly archive = new MemoryArchive();
  /** The МЧД the day's token issues from the Organization view, registered at the (imagined) hub. */
  readonly powersOfAttorney = new MemoryPowersOfAttorney(() => this.tokenState, ourOrg);

  constructor(private readonly options: MemoryOptions = {}) {
    this.settingsValue = {
      serverUrl: 'https://edo.example.ru',
      mode: options.mode ?? 'workstation',
      scheduleMinutes: 15,
      modulePaths: ['/usr/lib/softhsm/libsofthsm2.so'],
      language: 'ru',
      startAtLogin: true,
      login: '',
      signatureChecks: { offline: false },
      secrets: { servicePassword: false, tokenPin: false, pfxPassword: false },
    };
    this.tokenState = this.status(options.tokenPresent ? 'present' : 'absent');
    const since = '2026-11-02T09:00:00.000Z';
    this.contacts = [
      { id: counterparties[0]!.id, subscriber: counterparties[0]!, state: 'connected', since },
      { id: counterparties[1]!.id, subscriber: counterparties[1]!, state: 'connected', since },
      { id: counterparties[2]!.id, subscriber: counterparties[2]!, state: 'invites-me', since },
      { id: counterparties[3]!.id, subscriber: counterparties[3]!, state: 'invited-by-me', since },
    ];
    this.generate(options.generated ?? 0);
  }

  /** Ids as the store gives them: one sequence for documents, service documents and runs. */
  private nextId(): number {
    this.seq += 1;
    return this.seq;
  }

  private status(state: TokenStatus['state']): TokenStatus {
    const present = state !== 'absent' && state !== 'no-module';
    const poa = this.options.powerOfAttorney;
    return {
      state,
      ...(present
        ? {
            token: { label: 'Рутокен Иванова', serial: '0A1B2C3D', model: 'SoftHSM v2', pinPad: false },
            owner: {
              name: ivanova.signer,
              position: ivanova.position,
              organization: ivanova.organization,
              inn: ivanova.inn,
              validTo: '2027-11-22T00:00:00.000Z',
              sha256: 'a'.repeat(64),
            },
            ...(poa
              ? {
                  powerOfAttorney:
                    state === 'logged-in' ? { ...poa.attached, state: poa.atHub, checkedAtHub: true } : poa.attached,
                }
              : {}),
          }
        : {}),
      pinFlags: { countLow: this.triesLeft < 10, finalTry: this.triesLeft === 1, locked: this.triesLeft === 0 },
    };
  }

  private setToken(state: TokenStatus['state']): TokenStatus {
    this.tokenState = this.status(state);
    for (const l of this.tokenListeners) l(this.tokenState);
    return this.tokenState;
  }

  insertToken(): void {
    this.setToken(this.triesLeft === 0 ? 'locked' : 'present');
  }

  removeToken(): void {
    this.setToken('absent');
  }

  private generate(count: number): void {
    const start = Date.UTC(2024, 0, 1);
    const inboxStatuses = ['received', 'receipt-sent', 'receipt-sent', 'receipt-sent', 'clarification-sent'] as const;
    const outboxStatuses = [
      'delivered',
      'receipt-confirmed',
      'receipt-confirmed',
      'sent',
      'clarification-requested',
    ] as const;
    for (const direction of ['in', 'out'] as const) {
      for (let i = 0; i < count; i++) {
        const who = counterparties[i % counterparties.length]!;
        const title = `${documentTitles[i % documentTitles.length]} № ${i + 1}`;
        this.byDate = null;
        this.documents.push({
          row: {
            id: this.nextId(),
            direction,
            title,
            fileName: `${direction}_${i + 1}.pdf`,
            counterparty: who,
            status: (direction === 'in' ? inboxStatuses : outboxStatuses)[i % 5]!,
            date: new Date(start + i * 600_000).toISOString(),
            size: 20_000 + (i % 977) * 130,
          },
          content: Buffer.from(`${title}\n`),
          mediaType: 'text/plain',
          detail: { signatures: [], serviceDocuments: [] },
          workflow: noWorkflow(),
        });
      }
    }
  }

  /** A document as the counterparty sent it, stored as received. */
  addIncoming(
    title: string,
    fileName: string,
    content: string,
    from: Subscriber,
    at = new Date().toISOString(),
    signatureRequested = false,
  ): number {
    const id = this.nextId();
    const mediaType = fileName.endsWith('.xml')
      ? 'application/xml'
      : fileName.endsWith('.pdf')
        ? 'application/pdf'
        : 'text/plain';
    this.byDate = null;
    this.documents.push({
      row: {
        id,
        direction: 'in',
        title,
        fileName,
        counterparty: from,
        status: 'receipt-pending',
        date: at,
        size: Buffer.byteLength(content),
      },
      content: Buffer.from(content),
      mediaType,
      detail: {
        signatures: [signatureOf(petrov, at)],
        serviceDocuments: [
          {
            id: this.nextId(),
            type: 'send-confirmation',
            direction: 'in',
            status: 'received',
            date: at,
            signer: 'Оператор ЭДО',
          },
        ],
      },
      workflow: noWorkflow(signatureRequested),
    });
    this.pending.push({
      id: this.nextId(),
      documentId: id,
      documentTitle: title,
      counterparty: from.name,
      type: 'receipt',
      reason: 'awaiting-signature',
      since: at,
    });
    return id;
  }

  private signOne(id: number): SignOutcome['failed'][number] | null {
    if (this.tokenState.state === 'locked') return { id, reason: 'pin-locked' };
    if (this.tokenState.state === 'absent' || this.tokenState.state === 'no-module')
      return { id, reason: 'token-not-present' };
    if (this.tokenState.state !== 'logged-in') return { id, reason: 'pin-required' };
    return null;
  }

  private sign(ids: number[], apply: (id: number) => boolean): SignOutcome {
    const outcome: SignOutcome = { signed: [], failed: [] };
    for (const id of ids) {
      const failure = this.signOne(id);
      if (failure) outcome.failed.push(failure);
      else if (apply(id)) outcome.signed.push(id);
      else outcome.failed.push({ id, reason: 'not-pending' });
    }
    return outcome;
  }

  /** The counterparty proposes annulling document `id`: it arrives with the next session's events, as the hub's would. */
  proposeAnnulmentByCounterparty(id: number, reason: string): void {
    this.counterpartySteps.push({ id, reason });
  }

  private readonly counterpartySteps: { id: number; reason: string }[] = [];

  private awaiting() {
    const item = (d: StoredDocument) => ({
      documentId: d.row.id,
      title: d.row.title,
      counterparty: d.row.counterparty.name,
    });
    const free = this.documents.filter((d) => !d.workflow.waiting);
    return {
      signature: free
        .filter(
          (d) =>
            d.row.direction === 'in' &&
            d.workflow.recipientSignatureState === 'signature-requested' &&
            d.workflow.annulmentState !== 'annulment-proposed' &&
            d.workflow.annulmentState !== 'annulled',
        )
        .map(item),
      annulment: free
        .filter((d) => d.workflow.annulmentState === 'annulment-proposed' && d.workflow.annulmentProposedByUs === false)
        .map(item),
    };
  }

  private verdict(d: StoredDocument, step: WorkflowStep) {
    return workflowTransition(step, factsOf({ direction: d.row.direction, ...d.workflow }));
  }

  /** The session posts the clerk's steps and hears the counterparty's, as the hub would answer them. */
  private exchangeWorkflow(): void {
    for (const d of this.documents) {
      const waiting = d.workflow.waiting;
      if (!waiting) continue;
      const verdict = this.verdict(d, waiting.step);
      d.workflow.waiting = null;
      if (!verdict.ok) continue;
      d.workflow.recipientSignatureState = verdict.workflow.signatureState ?? null;
      d.workflow.annulmentState = verdict.workflow.annulmentState ?? null;
      if (waiting.step === 'propose-annulment') d.workflow.annulmentProposedByUs = true;
      if (waiting.step === 'sign')
        d.detail.signatures.push({
          ...signatureOf(ivanova, new Date().toISOString()),
          powerOfAttorney: clerksPowerOfAttorney,
        });
      const type = (
        {
          sign: null,
          'refuse-signature': 'signature-refusal',
          'propose-annulment': 'annulment-proposal',
          'accept-annulment': 'annulment-acceptance',
          'reject-annulment': 'annulment-rejection',
        } as const
      )[waiting.step];
      if (type)
        d.detail.serviceDocuments.push({
          id: this.nextId(),
          type,
          direction: 'out',
          status: 'sent',
          date: new Date().toISOString(),
          signer: ivanova.signer,
          ...(waiting.reason ? { text: waiting.reason } : {}),
        });
    }
    for (const { id, reason } of this.counterpartySteps.splice(0)) {
      const d = this.find(id);
      d.workflow.annulmentState = 'annulment-proposed';
      d.workflow.annulmentProposedByUs = false;
      d.detail.serviceDocuments.push({
        id: this.nextId(),
        type: 'annulment-proposal',
        direction: 'in',
        status: 'received',
        date: new Date().toISOString(),
        signer: petrov.signer,
        text: reason,
      });
    }
  }

  private find(id: number): StoredDocument {
    const doc = this.documents.find((d) => d.row.id === id);
    if (!doc) throw new Error(`No document ${id}`);
    return doc;
  }

  services(): ClerkServices {
    const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));
    return {
      token: {
        status: async () => this.tokenState,
        login: async (pin) => {
          const state = this.tokenState.state;
          if (state === 'absent' || state === 'no-module')
            return { ok: false, error: 'token-not-present', status: this.tokenState };
          if (state === 'locked') return { ok: false, error: 'pin-locked', status: this.tokenState };
          if (pin === (this.options.pin ?? '12345678')) {
            this.triesLeft = 10;
            return { ok: true, status: this.setToken('logged-in') };
          }
          this.triesLeft -= 1;
          const status = this.setToken(this.triesLeft === 0 ? 'locked' : 'present');
          return { ok: false, error: this.triesLeft === 0 ? 'pin-locked' : 'pin-incorrect', status };
        },
        cancel: async () => this.setToken(this.tokenState.state === 'logged-in' ? 'logged-in' : 'cancelled'),
        onChange: (listener) => {
          this.tokenListeners.add(listener);
          return () => this.tokenListeners.delete(listener);
        },
      },
      documents: {
        list: async (q: DocumentQuery) => {
          const search = q.search?.toLocaleLowerCase('ru');
          const from = q.from ? `${q.from}T00:00:00.000Z` : undefined;
          const to = q.to ? `${q.to}T23:59:59.999Z` : undefined;
          // Newest first, the later id first on the same instant: the store's order.
          this.byDate ??= [...this.documents].sort((a, b) =>
            a.row.date < b.row.date ? 1 : a.row.date > b.row.date ? -1 : b.row.id - a.row.id,
          );
          const rows = this.byDate
            .filter(
              ({ row }) =>
                row.direction === q.direction &&
                (!q.counterpartyId || row.counterparty.id === q.counterpartyId) &&
                (!q.status || row.status === q.status) &&
                (!from || row.date >= from) &&
                (!to || row.date <= to) &&
                (!search ||
                  `${row.title} ${row.fileName} ${row.counterparty.name} ${row.counterparty.inn}`
                    .toLocaleLowerCase('ru')
                    .includes(search)),
            )
            .map((d) => d.row);
          return { total: rows.length, offset: q.offset, rows: rows.slice(q.offset, q.offset + q.limit) };
        },
        open: async (id) => {
          const doc = this.find(id);
          const kind =
            doc.mediaType === 'application/pdf'
              ? 'pdf'
              : doc.mediaType.startsWith('image/')
                ? 'image'
                : doc.mediaType.endsWith('xml')
                  ? 'xml'
                  : 'text';
          const workflow = workflowView(
            { direction: doc.row.direction, ...doc.workflow },
            doc.row.status !== 'queued',
            doc.workflow.waiting?.step ?? null,
          );
          return {
            document: doc.row,
            mediaType: doc.mediaType,
            preview: { kind, contentBase64: doc.content.toString('base64'), tooLarge: false },
            ...doc.detail,
            workflow,
          };
        },
      },
      outbox: {
        add: async ({ title, counterpartyId, files, signatureRequested }) => {
          const to = this.contacts.find((c) => c.subscriber.id === counterpartyId && c.state === 'connected');
          if (!to) throw new Error(`${counterpartyId} is not a connected contact`);
          const failure = this.signOne(0);
          if (failure)
            return {
              queued: [],
              failed: {
                reason:
                  failure.reason === 'pin-locked'
                    ? 'pin-locked'
                    : failure.reason === 'pin-required'
                      ? 'pin-required'
                      : 'token-not-present',
              },
            };
          const queued = files.map((file) => {
            const id = this.nextId();
            const content = Buffer.from(file.contentBase64, 'base64');
            this.byDate = null;
            this.documents.push({
              row: {
                id,
                direction: 'out',
                title: files.length > 1 ? `${title} (${file.name})` : title,
                fileName: file.name,
                counterparty: to.subscriber,
                status: 'queued',
                date: new Date().toISOString(),
                size: content.length,
              },
              content,
              mediaType: file.name.endsWith('.pdf')
                ? 'application/pdf'
                : file.name.endsWith('.xml')
                  ? 'application/xml'
                  : 'text/plain',
              detail: { signatures: [signatureOf(ivanova, new Date().toISOString())], serviceDocuments: [] },
              workflow: noWorkflow(signatureRequested),
            });
            return id;
          });
          return { queued };
        },
      },
      workflow: {
        step: async ({ documentId, step, reason }) => {
          const failure = this.signOne(0);
          if (failure)
            return {
              queued: false,
              failed: {
                reason:
                  failure.reason === 'pin-locked'
                    ? 'pin-locked'
                    : failure.reason === 'pin-required'
                      ? 'pin-required'
                      : 'token-not-present',
              },
            };
          const doc = this.find(documentId);
          if (doc.workflow.waiting)
            throw new Error(`A signed step on "${doc.row.title}" waits to be posted: run a session first`);
          const verdict = this.verdict(doc, step);
          if (!verdict.ok) throw new Error(`"${doc.row.title}": ${verdict.message}`);
          doc.workflow.waiting = { step, ...(reason ? { reason } : {}) };
          return { queued: true };
        },
        awaiting: async () => this.awaiting(),
      },
      pending: {
        list: async () => [...this.pending],
        sign: async (which) => {
          const ids = 'all' in which ? this.pending.map((p) => p.id) : which.ids;
          return this.sign(ids, (id) => {
            const item = this.pending.find((p) => p.id === id);
            if (!item) return false;
            this.pending = this.pending.filter((p) => p !== item);
            const doc = this.find(item.documentId);
            doc.row.status = 'receipt-sent';
            doc.detail.serviceDocuments.push({
              id,
              type: 'receipt',
              direction: 'out',
              status: 'sent',
              date: new Date().toISOString(),
              signer: ivanova.signer,
            });
            return true;
          });
        },
      },
      contacts: {
        list: async () => [...this.contacts],
        invite: async (subscriberId) => {
          const subscriber = [
            ...counterparties,
            { id: 'sub-romashka-2', name: 'ООО "Ромашка-2"', inn: '7709876545' },
          ].find((s) => s.id === subscriberId);
          if (!subscriber) throw new Error(`No subscriber ${subscriberId}`);
          const contact: Contact = {
            id: subscriber.id,
            subscriber,
            state: 'invited-by-me',
            since: new Date().toISOString(),
          };
          this.contacts.push(contact);
          return contact;
        },
        accept: async (contactId) => this.setContact(contactId, 'connected'),
        reject: async (contactId) => this.setContact(contactId, 'rejected'),
        searchSubscribers: async (query) => {
          const q = query.toLocaleLowerCase('ru');
          return [
            ...counterparties,
            ourOrg,
            { id: 'sub-romashka-2', name: 'ООО "Ромашка-2"', inn: '7709876545' },
          ].filter((s) => `${s.name} ${s.inn}`.toLocaleLowerCase('ru').includes(q));
        },
      },
      sessions: {
        run: async (trigger: SessionTrigger, onProgress: (p: SessionProgress) => void): Promise<SessionReport> => {
          this.sessionsRun += 1;
          const startedAt = new Date().toISOString();
          const entries: SessionRun['entries'] = [];
          const steps = SessionStep.options;
          const items: SessionReport['items'] = {
            received: [],
            sent: [],
            signed: [],
            serviceDocumentsSent: [],
            notSigned: [],
            refused: [],
          };
          const receivedTitles: string[] = [];
          const failure = this.failNext;
          this.failNext = null;
          for (const [i, step] of steps.entries()) {
            onProgress({ step, done: i, total: steps.length, percent: (i / steps.length) * 100 });
            await sleep(this.options.stepMs ?? 0);
            if (failure && step === 'authenticate') {
              entries.push({ at: new Date().toISOString(), level: 'error', step, message: failure });
              break;
            }
            if (step === 'outbox') {
              for (const d of this.documents.filter((x) => x.row.direction === 'out' && x.row.status === 'queued')) {
                d.row.status = 'delivered';
                d.detail.serviceDocuments.push({
                  id: this.nextId(),
                  type: 'send-confirmation',
                  direction: 'in',
                  status: 'received',
                  date: new Date().toISOString(),
                  signer: 'Оператор ЭДО',
                });
                items.sent.push(d.row.id);
              }
              entries.push({
                at: new Date().toISOString(),
                level: 'info',
                step,
                message: `Отправлено документов: ${items.sent.length}`,
              });
            }
            if (step === 'events') {
              this.exchangeWorkflow();
              for (const m of this.incoming.splice(0)) {
                items.received.push(
                  this.addIncoming(m.title, m.fileName, m.content, m.from, undefined, m.signatureRequested),
                );
                receivedTitles.push(m.title);
              }
              entries.push({
                at: new Date().toISOString(),
                level: 'info',
                step,
                message: `Получено документов: ${items.received.length}`,
              });
            }
            if (
              step === 'service-documents' &&
              this.tokenState.state === 'logged-in' &&
              this.settingsValue.mode === 'workstation'
            ) {
              const r = await this.services()
                .pending.sign({ all: true })
                .catch(() => ({ signed: [] }));
              items.signed.push(...r.signed);
            }
          }
          const clerkNeeded =
            !failure && this.pending.length > 0 && this.tokenState.state !== 'logged-in'
              ? ('pin-required' as const)
              : null;
          const summary = {
            id: this.nextId(),
            trigger,
            startedAt,
            finishedAt: new Date().toISOString(),
            outcome: failure ? ('error' as const) : clerkNeeded ? ('needs-clerk' as const) : ('done' as const),
            received: items.received.length,
            sent: items.sent.length,
            signed: items.signed.length,
            pending: this.pending.length,
            clerkNeeded,
            ...(failure ? { error: failure } : {}),
          };
          onProgress({ step: 'finish', done: steps.length, total: steps.length, percent: 100 });
          this.runs.unshift({ ...summary, entries });
          return { summary, items, receivedTitles };
        },
        log: async (limit) => this.runs.slice(0, limit),
        last: async () => this.runs[0] ?? null,
      },
      settings: {
        get: async () => structuredClone(this.settingsValue),
        set: async (patch) => {
          this.settingsValue = { ...this.settingsValue, ...patch };
          return structuredClone(this.settingsValue);
        },
        mode: async () => this.settingsValue.mode,
        setSecret: async (name) => {
          this.settingsValue.secrets[name] = true;
        },
      },
      archive: this.archive.archiveService(),
      organization: this.archive.organizationService(),
      powersOfAttorney: this.powersOfAttorney.service(),
    };
  }

  private setContact(contactId: string, state: Contact['state']): Contact {
    const contact = this.contacts.find((c) => c.id === contactId);
    if (!contact) throw new Error(`No contact ${contactId}`);
    contact.state = state;
    return contact;
  }
}
