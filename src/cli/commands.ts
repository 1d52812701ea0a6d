// The commands of edo-clerk. Each takes its parsed options and the output, and returns the
// exit code: 0 done, 2 the clerk is needed (token or PIN), 1 an error.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { algorithmTitle } from '../crypto/algorithms';
import { statusLineOf, verifyLongTerm } from '../crypto/cades';
import { signDetached } from '../crypto/cms';
import { describeCertificate } from '../crypto/certificates';
import { RevocationChecker } from '../crypto/revocation';
import { resolveToken, secretNames, TokenSignerSource, type PinSource, type TokenChoice } from '../exchange/profile';
import {
  clerkNeededBy,
  type ClerkNeeded,
  type SessionFailure,
  type SessionResult,
  type SignerSource,
} from '../exchange/session';
import type { ProfileSettingsInput } from '../settings/settings';
import {
  ListStatus,
  contactStateWords,
  listStatusWords,
  pendingReasonWords,
  PowerOfAttorneyRefusal,
  workflowStateWords,
  type OperatingMode,
} from '../vocabulary';
import { signatureStatusText } from '../vocabulary/signature-status';
import type { DocumentRow, WorkflowStepRow } from '../store';
import { TokenError } from '../token/errors';
import { findInstalledModules } from '../token/module-paths';
import { openToken, type TokenSession } from '../token/session';
import { listTokens } from '../token/tokens';
import type { ClerkProfile } from '../exchange/profile';
import { serviceDocumentEvidence, signatureEvidence } from '../workplace/documents';
import { queueOutgoing } from '../workplace/outbox';
import { PowerOfAttorneyRefused } from '../exchange/representative';
import { powerOfAttorneyText } from '../vocabulary/power-of-attorney';
import { takeWorkflowStep, WorkflowError } from '../workplace/workflow';
import type { WorkflowStep } from '../vocabulary';
import { flag, integer, isoDate, list, str, type Options } from './options';
import { staffWebListen } from '../web/cli';
import { startStaffWeb } from '../web/staff';
import type { RunningWebClient } from '../web/web-client';
import { pinStatusText } from './errors';
import { isCliKey, localDate, localTime, words } from './i18n';
import { CliError, table, type Output } from './output';
import { readStdinLine, stdinPins, terminalPins } from './pin';

export type { Options } from './options';

function tokenChoice(o: Options): TokenChoice {
  return { modulePath: str(o, 'module'), token: str(o, 'token') };
}

function pinsFor(o: Options, out: Output, interactive = true): PinSource | undefined {
  if (flag(o, 'pin-stdin')) return stdinPins();
  return interactive ? terminalPins(out.language) : undefined;
}

/** A token the clerk must attend to (absent, PIN needed or refused) is exit 2; other failures (a missing module) exit 1. Both name the token or path. */
export function fromTokenError(e: unknown): never {
  const needed = clerkNeededBy(e);
  if (needed) throw new CliError(needed.message, 2, needed.code, { cause: e });
  if (e instanceof TokenError) throw new CliError(e.message, 1, e.code, { cause: e });
  throw e;
}

export function signerFor(profile: ClerkProfile, o: Options, out: Output): SignerSource {
  const choice = tokenChoice(o);
  const source = profile.settingsFile.exists()
    ? profile.signerSource(pinsFor(o, out), choice)
    : new TokenSignerSource(resolveToken(undefined, choice), undefined, pinsFor(o, out));
  if (!source) throw new CliError(words('no.signer'));
  return source;
}

// ---- profile

export async function profileInit(profile: ClerkProfile, o: Options, out: Output): Promise<number> {
  const server = str(o, 'server');
  const existing = profile.settingsFile.exists() ? profile.settings : undefined;
  if (!server && !existing) throw new CliError(words('needs.server'));
  if (flag(o, 'password-stdin') && flag(o, 'key-password-stdin')) throw new CliError(words('option.conflict.stdin'));
  const next: ProfileSettingsInput = { ...(existing ?? {}), serverUrl: server ?? existing!.serverUrl };
  if (str(o, 'mode')) next.mode = str(o, 'mode') as OperatingMode;
  if (str(o, 'login')) next.auth = { method: 'password', login: str(o, 'login')! };
  if (flag(o, 'certificate-login')) next.auth = { method: 'certificate' };
  const schedule = integer(o, 'schedule', { min: 0, max: 24 * 60 });
  if (schedule !== undefined) next.scheduleMinutes = schedule;
  if (str(o, 'key-file')) {
    next.signer = {
      kind: 'software',
      keyFile: resolve(str(o, 'key-file')!),
      ...(str(o, 'cert-file') ? { certificateFile: resolve(str(o, 'cert-file')!) } : {}),
      encrypted: flag(o, 'key-password-stdin'),
    };
  } else if (str(o, 'token') || str(o, 'module')) {
    next.signer = {
      kind: 'token',
      ...(str(o, 'module') ? { modulePath: resolve(str(o, 'module')!) } : {}),
      ...(str(o, 'token') ? { token: str(o, 'token')! } : {}),
    };
    if (str(o, 'token')) next.defaultToken = str(o, 'token');
  }
  // Certificate status and time-stamps (docs/architecture.md §7); each option changes only its own setting.
  const checks = { ...(existing?.signatureChecks ?? { offline: false }) };
  if (str(o, 'tsa-url')) checks.tsaUrl = str(o, 'tsa-url');
  if (str(o, 'crl-folder')) checks.crlFolder = resolve(str(o, 'crl-folder')!);
  if (str(o, 'ocsp-proxy')) checks.ocspProxy = str(o, 'ocsp-proxy');
  if (flag(o, 'offline-checks')) checks.offline = true;
  if (flag(o, 'online-checks')) checks.offline = false;
  next.signatureChecks = checks;
  const trust = list(o, 'trust');
  if (trust.length) {
    mkdirSync(join(profile.dir, 'trusted-roots'), { recursive: true });
    const names = trust.map((file) => {
      const name = join('trusted-roots', basename(file));
      copyFileSync(file, join(profile.dir, name));
      return name;
    });
    profile.trustedRoots(names.map((n) => join(profile.dir, n))); // a file that is not a certificate fails here, before saving
    next.trustedRoots = [...new Set([...(existing?.trustedRoots ?? []), ...names])];
  }
  const saved = profile.settingsFile.write(next);
  if (flag(o, 'password-stdin')) await profile.secrets.set(secretNames.servicePassword, await readStdinLine());
  if (flag(o, 'key-password-stdin')) await profile.secrets.set(secretNames.keyPassword, await readStdinLine());
  const database = profile.store.db.name; // created now, with its folders, not at the first session
  out.result({ profile: profile.dir, database, settings: saved }, () =>
    out.t('profile.ready', { dir: profile.dir, server: saved.serverUrl, mode: saved.mode }),
  );
  return 0;
}

export function profileShow(profile: ClerkProfile, _o: Options, out: Output): number {
  const settings = profile.settings;
  const store = profile.store;
  const stats = {
    inbox: store.listDocuments({ direction: 'in', limit: 1 }).total,
    outbox: store.listDocuments({ direction: 'out', limit: 1 }).total,
    pending: store.countPendingServiceDocuments(),
    lastRun: store.runs(1)[0],
  };
  out.result({ profile: profile.dir, settings, ...stats }, () =>
    [
      out.t('profile.title', { dir: profile.dir }),
      out.t('profile.hub', { server: settings.serverUrl, mode: settings.mode }),
      out.t('profile.counts', { inbox: stats.inbox, outbox: stats.outbox, pending: stats.pending }),
    ].join('\n'),
  );
  return 0;
}

// ---- tokens

export function tokenList(profile: ClerkProfile, o: Options, out: Output): number {
  const settings = profile.settingsFile.exists() ? profile.settings : undefined;
  const modules = str(o, 'module')
    ? [str(o, 'module')!]
    : findInstalledModules(settings?.modulePaths ?? []).map((m) => m.path);
  if (modules.length === 0) throw new CliError(words('no.modules'));
  const tokens = modules.flatMap((modulePath) =>
    // A slot with a blank token (SoftHSM's free slot, a token never initialized) holds nothing to sign with.
    listTokens(modulePath)
      .filter((t) => t.flags.tokenInitialized)
      .map((t) => {
        let certificates: {
          id: string;
          owner: string;
          organization?: string;
          notAfter: string;
          hasPrivateKey: boolean;
        }[] = [];
        let session: TokenSession | undefined;
        try {
          session = openToken({ modulePath, token: t.serial });
          certificates = session.listCertificates().map((c) => ({
            id: c.id,
            owner: c.identity.commonName,
            organization: c.identity.organization,
            notAfter: c.identity.notAfter.toISOString(),
            hasPrivateKey: c.hasPrivateKey,
          }));
        } catch {
          // a token pulled out while we looked: listed without certificates
        } finally {
          session?.close();
        }
        return {
          modulePath,
          label: t.label,
          serial: t.serial,
          model: t.model,
          manufacturer: t.manufacturer,
          flags: t.flags,
          pin: pinStatusText(
            {
              countLow: t.flags.userPinCountLow,
              finalTry: t.flags.userPinFinalTry,
              locked: t.flags.userPinLocked,
              toBeChanged: t.flags.userPinToBeChanged,
            },
            out.language,
          ),
          certificates,
        };
      }),
  );
  out.result({ tokens }, () =>
    tokens.length === 0
      ? out.t('tokens.none')
      : tokens
          .map((t) =>
            [
              `${out.t('tokens.line', { label: t.label, serial: t.serial, model: t.model, module: t.modulePath })}${t.flags.protectedAuthPath ? out.t('tokens.pinPad') : ''}${t.pin ? ` — ${t.pin}` : ''}`,
              ...t.certificates.map(
                (c) =>
                  `${out.t('tokens.certificate', { id: c.id, owner: c.owner, organization: c.organization ? `, ${c.organization}` : '', notAfter: localDate(c.notAfter, out.language) })}${c.hasPrivateKey ? '' : out.t('tokens.noKey')}`,
              ),
            ].join('\n'),
          )
          .join('\n'),
  );
  return 0;
}

export async function tokenLogin(profile: ClerkProfile, o: Options, out: Output): Promise<number> {
  const settings = profile.settingsFile.exists() ? profile.settings : undefined;
  const target = resolveToken(settings, tokenChoice(o));
  const given = pinsFor(o, out)!;
  let typed: string | undefined;
  const capture: PinSource = { pin: async (t) => (typed = await given.pin(t)) };
  const source = new TokenSignerSource(target, flag(o, 'keep') ? undefined : profile.secrets, capture);
  try {
    const signer = await source.acquire();
    const who = describeCertificate(signer.certificate);
    if (flag(o, 'keep')) {
      if (typed === undefined) throw new CliError(words('option.keep'));
      await profile.secrets.set(secretNames.keptPin(source.token!.info.serial), typed);
    }
    out.result(
      {
        token: target.token,
        modulePath: target.modulePath,
        signer: signer.description,
        owner: who.commonName,
        algorithm: signer.algorithm,
        keptPin: flag(o, 'keep'),
      },
      () =>
        out.t(flag(o, 'keep') ? 'login.kept' : 'login.done', {
          signer: signer.description,
          algorithm: signer.algorithm,
        }),
    );
    return 0;
  } catch (e) {
    return fromTokenError(e);
  } finally {
    source.close();
  }
}

// ---- signatures

export async function sign(profile: ClerkProfile, o: Options, positional: string[], out: Output): Promise<number> {
  const [file] = positional;
  if (!file) throw new CliError(words('needs.sign'));
  const target = str(o, 'out') ?? `${file}.sig`;
  const source = signerFor(profile, o, out);
  try {
    const signer = await source.acquire();
    const cms = await signDetached({ path: file }, signer);
    writeFileSync(target, cms);
    const title = algorithmTitle(signer.algorithm, out.language);
    out.result(
      { file, signature: target, signer: signer.description, algorithm: signer.algorithm, algorithmTitle: title },
      () => out.t('signed.file', { file, signature: target, signer: signer.description, algorithm: title }),
    );
    return 0;
  } catch (e) {
    return fromTokenError(e);
  } finally {
    if (source instanceof TokenSignerSource) source.close();
  }
}

/** The profile's interface language for names shown to the clerk; Russian where the profile has no settings yet. */
export function profileLanguage(profile: ClerkProfile): 'ru' | 'en' | 'kk' {
  try {
    return profile.settings.language;
  } catch {
    return 'ru';
  }
}

/** Exit codes of verify: 0 valid, 1 not valid (revoked included), 3 the status could not be determined. */
const verdictExit = { valid: 0, invalid: 1, undetermined: 3 } as const;

/**
 * verify FILE SIG: the signature judged at its trusted time (its time-stamp's, else --at, else
 * now) with the status evidence it carries, then OCSP/CRL unless offline (architecture.md §7).
 */
export async function verify(profile: ClerkProfile, o: Options, positional: string[], out: Output): Promise<number> {
  const [file, sig] = positional;
  if (!file || !sig) throw new CliError(words('needs.verify'));
  const roots = profile.trustedRoots(list(o, 'trust'));
  if (roots.length === 0) throw new CliError(words('no.roots'));
  const at = isoDate(o, 'at');
  const revocation = new RevocationChecker(profile.revocationSettings({ offline: flag(o, 'offline') || undefined }));
  const { readFileSync } = await import('node:fs');
  const result = await verifyLongTerm(
    readFileSync(sig),
    { path: file },
    {
      trustedRoots: roots,
      tsaRoots: profile.timestampRoots(),
      now: at ? new Date(at) : undefined,
      revocation,
    },
  );
  const language = out.language;
  const line = statusLineOf(result);
  const signer = result.signature.signer;
  const value = {
    valid: result.verdict === 'valid',
    verdict: result.verdict,
    form: result.form,
    signer: signer && {
      commonName: signer.commonName,
      position: signer.position,
      organization: signer.organization,
      orgInn: signer.orgInn,
      serialNumber: signer.serialNumber,
    },
    signingTime: result.signature.signingTime?.toISOString(),
    algorithm: result.signature.algorithm,
    algorithmTitle: result.signature.algorithm && algorithmTitle(result.signature.algorithm, language),
    time: line.time,
    timeSource: line.timeSource,
    timestamp: result.timestamp && {
      time: result.timestamp.genTime.toISOString(),
      tsa: result.timestamp.tsa.subject,
      policy: result.timestamp.policy,
    },
    certificates: (result.status?.certificates ?? []).map((c) => ({
      subject: c.subject,
      serialNumber: c.serialNumber,
      status: c.status,
      source: c.evidence?.source,
      by: c.evidence?.by,
      from: c.evidence?.from,
      producedAt: c.evidence?.producedAt.toISOString(),
      revocation: c.revocation && { at: c.revocation.at.toISOString(), reason: c.revocation.reason },
      problems: c.problems,
    })),
    statusLine: line,
    text: signatureStatusText(line, language),
    problems: result.signature.problems,
  };
  out.result(value, () =>
    [
      `${signer?.commonName ?? '?'}${signer?.organization ? `, ${signer.organization}` : ''} (${value.algorithmTitle ?? '?'}, ${result.form})`,
      value.text,
    ].join('\n'),
  );
  return verdictExit[result.verdict];
}

// ---- documents

/** A list row as the clerk reads it: the time local (TZ) with its zone. */
function docLine(d: DocumentRow, out: Output): string[] {
  const note =
    d.signatureState === 'invalid'
      ? out.t('list.signatureInvalid', { problem: d.signatureProblem ?? '' })
      : d.status === 'rejected'
        ? out.t('list.refused', { reason: d.statusReason ?? '' })
        : '';
  const status = listStatusWords[out.language][`status.${d.listStatus}`];
  return [
    String(d.id),
    localTime(d.sentAt ?? d.createdAt, out.language),
    d.counterpartyName || d.counterpartyId,
    d.title,
    status,
    note,
  ];
}

function statusOption(s: string): ListStatus {
  const parsed = ListStatus.safeParse(s.trim());
  if (!parsed.success)
    throw new CliError(words('option.status', { value: s, statuses: ListStatus.options.join(', ') }));
  return parsed.data;
}

export function listDocuments(direction: 'in' | 'out') {
  return (profile: ClerkProfile, o: Options, out: Output): number => {
    const statuses = str(o, 'status')
      ?.split(',')
      .map((s) => statusOption(s));
    const page = profile.store.listDocuments({
      direction,
      search: str(o, 'search'),
      counterpartyId: str(o, 'counterparty'),
      status: statuses,
      from: isoDate(o, 'from'),
      to: isoDate(o, 'to'),
      limit: integer(o, 'limit', { min: 1, max: 10_000 }, 50),
      offset: integer(o, 'offset', { min: 0, max: Number.MAX_SAFE_INTEGER }, 0),
    });
    // JSON carries each signature's verdict and evidence (the status line the document view shows), the service documents' too.
    const language = out.language;
    const value = {
      ...page,
      items: page.items.map((d) => ({
        ...d,
        signatures: signatureEvidence(profile.store, d.id, language),
        serviceDocuments: serviceDocumentEvidence(profile.store, d.id, language),
      })),
    };
    out.result(value, () =>
      page.items.length === 0
        ? out.t(direction === 'in' ? 'list.inboxEmpty' : 'list.outboxEmpty')
        : `${table(page.items.map((d) => docLine(d, out)))}\n${out.t('list.count', { shown: page.items.length, total: page.total })}`,
    );
    return 0;
  };
}

export function pending(profile: ClerkProfile, _o: Options, out: Output): number {
  const items = profile.store.pendingServiceDocuments().map((p) => ({
    id: p.id,
    type: p.type,
    status: p.status,
    reason: p.pendingCode,
    message: p.pendingReason,
    refused: p.refused,
    document: {
      id: p.document.id,
      hubId: p.document.hubId,
      title: p.document.title,
      counterparty: p.document.counterpartyName,
      direction: p.document.direction,
    },
  }));
  out.result({ pending: items }, () =>
    items.length === 0
      ? out.t('pending.none')
      : table(
          items.map((p) => [
            String(p.id),
            out.t(p.type === 'receipt' ? 'pending.receipt' : 'pending.clarification'),
            p.document.title,
            p.document.counterparty,
            p.status === 'signed'
              ? out.t('pending.signed')
              : p.reason
                ? pendingReasonWords[out.language][`reason.${p.reason}`]
                : (p.message ?? ''),
          ]),
        ),
  );
  return 0;
}

function exitOf(result: SessionResult): number {
  return result.outcome === 'done' ? 0 : result.outcome === 'needs-clerk' ? 2 : 1;
}

/** Why a session failed, by its code. */
function failureText(failure: SessionFailure, out: Output): string {
  switch (failure.code) {
    case 'hub-unreachable':
      return out.t('hub.unreachable', failure);
    case 'hub-error':
      return out.t(failure.status >= 500 ? 'hub.failed' : 'hub.refused', failure);
    case 'no-signer':
      return out.t('no.signer');
    default:
      return out.t(`session.${failure.code}`, failure);
  }
}

/** What the clerk must do, by its code, with the token's PIN state. */
function clerkNeededText(needed: ClerkNeeded, out: Output): string {
  const pin = pinStatusText(needed.pinStatus, out.language);
  return out.t('session.clerk', {
    message: pendingReasonWords[out.language][`reason.${needed.code}`],
    pin: pin ? ` (${pin})` : '',
  });
}

/** A session's outcome in the clerk's words, with its error and what the clerk must do. */
function sessionWords(result: SessionResult, out: Output) {
  return {
    outcome: out.t(`outcome.${result.outcome}`),
    error: result.failure ? ` — ${failureText(result.failure, out)}` : result.error ? ` — ${result.error}` : '',
    clerk: result.clerkNeeded ? clerkNeededText(result.clerkNeeded, out) : '',
  };
}

/**
 * Service documents an МЧД stopped before signing (the hub's pre-check): a line per refusal code
 * with the session's words for it, so neither a clerk's session nor the agent's log leaves them as
 * a bare pending count.
 */
function powerOfAttorneyRefusals(result: SessionResult, out: Output): string[] {
  const refused = new Map<string, { count: number; message: string }>();
  for (const n of result.items.notSigned) {
    if (!PowerOfAttorneyRefusal.safeParse(n.reason).success) continue;
    const seen = refused.get(n.reason);
    const message = n.message ?? pendingReasonWords[out.language][`reason.${n.reason}`];
    refused.set(n.reason, { count: (seen?.count ?? 0) + 1, message: seen?.message ?? message });
  }
  return [...refused].map(([code, r]) => out.t('session.poaRefused', { code, ...r }));
}

function reportSession(result: SessionResult, out: Output): number {
  const s = result.summary;
  out.result(result, () =>
    [
      out.t('session.line', sessionWords(result, out)),
      ...powerOfAttorneyRefusals(result, out),
      out.t('session.summary', {
        sent: s.documentsSent,
        received: s.documentsReceived,
        invalid: s.invalidSignatures ? out.t('session.invalid', { count: s.invalidSignatures }) : '',
        serviceSigned: s.serviceDocumentsSigned,
        serviceSent: s.serviceDocumentsSent,
        serviceReceived: s.serviceDocumentsReceived,
        pending: s.pending,
      }),
    ].join('\n'),
  );
  return exitOf(result);
}

export async function session(profile: ClerkProfile, o: Options, out: Output): Promise<number> {
  const background = flag(o, 'background');
  const result = await profile.runSession({
    trigger: background ? 'schedule' : 'manual',
    pins: pinsFor(o, out, !background),
    tokenChoice: tokenChoice(o),
    onProgress: (p) => out.progress(p),
  });
  return reportSession(result, out);
}

function findCounterparty(profile: ClerkProfile, to: string, out: Output) {
  const found = profile.store.findSubscribers(to);
  const exact = found.filter((s) => s.id === to || s.inn === to);
  const match = exact.length === 1 ? exact : found;
  if (match.length === 0) throw new CliError(words('subscriber.none', { to }));
  if (match.length > 1) {
    const list = match.slice(0, 5).map((s) => out.t('subscriber.item', { name: s.name, inn: s.inn ?? '?', id: s.id }));
    throw new CliError(out.t('subscriber.many', { to, count: match.length, list: list.join('; ') }));
  }
  return match[0]!;
}

export async function send(profile: ClerkProfile, o: Options, positional: string[], out: Output): Promise<number> {
  const [file] = positional;
  const to = str(o, 'to');
  if (!file || !to) throw new CliError(words('needs.send'));
  const counterparty = findCounterparty(profile, to, out);
  const pins = pinsFor(o, out);
  const source = profile.signerSource(pins, tokenChoice(o));
  if (!source) throw new CliError(words('no.signer'));
  let queued: { documentId: number };
  try {
    const [documentId] = await queueOutgoing(
      profile.store,
      source,
      {
        title: str(o, 'title') ?? basename(file),
        counterpartyId: counterparty.id,
        kind: str(o, 'kind') ?? 'document',
        needsReceipt: !flag(o, 'no-receipt'),
        signatureRequested: flag(o, 'request-signature'),
        files: [{ name: file, content: { path: file } }],
      },
      profile.representativeCheck(source, pins, tokenChoice(o)),
      profile.stampOwnSignature((problem) => out.info(problem)),
    );
    queued = { documentId: documentId! };
  } catch (e) {
    if (e instanceof PowerOfAttorneyRefused)
      throw new CliError(`${e.message}. ${powerOfAttorneyText('nothingSigned', {}, out.language)}`, 1, e.code);
    return fromTokenError(e);
  } finally {
    if (source instanceof TokenSignerSource) source.close();
  }
  out.info(out.t('send.queued', { title: str(o, 'title') ?? basename(file), counterparty: counterparty.name }));
  if (flag(o, 'queue-only')) {
    out.result({ queued: queued.documentId }, () => out.t('send.queuedAs', { id: queued.documentId }));
    return 0;
  }
  const result = await profile.runSession({
    trigger: 'manual',
    pins,
    tokenChoice: tokenChoice(o),
    onProgress: (p) => out.progress(p),
  });
  const sent = profile.store.document(queued.documentId)!;
  if (sent.status === 'rejected') throw refusedByHub(sent, out);
  return reportSession(result, out);
}

const refusedByHub = (d: DocumentRow, out: Output) =>
  new CliError(
    out.t('send.refused', { title: d.title, reason: d.statusReason ?? out.t('send.noReason'), id: d.id }),
    1,
    'rejected',
  );

/**
 * outbox retry|remove DOCUMENT: the clerk's answer to a document the hub refused (its reason is
 * in the outbox list): send it again as it is, once the cause is put right, or take it out.
 */
export function refusedDocumentCommand(action: 'retry' | 'remove') {
  return async (profile: ClerkProfile, o: Options, positional: string[], out: Output): Promise<number> => {
    const doc = documentRef(profile, positional[0], `outbox ${action}`);
    const done =
      action === 'retry' ? profile.store.retryRefusedDocument(doc.id) : profile.store.removeRefusedDocument(doc.id);
    if (!done) {
      const what = out.t(action === 'retry' ? 'refused.what.retry' : 'refused.what.remove');
      throw new CliError(
        out.t('refused.not', {
          id: doc.id,
          title: doc.title,
          status: listStatusWords[out.language][`status.${doc.listStatus}`],
          what,
        }),
        1,
        'not-refused',
      );
    }
    if (action === 'remove') {
      out.result({ removed: doc.id }, () => out.t('refused.removed', { title: doc.title }));
      return 0;
    }
    if (flag(o, 'queue-only')) {
      out.result({ queued: doc.id }, () => out.t('refused.back', { title: doc.title }));
      return 0;
    }
    const result = await profile.runSession({
      trigger: 'manual',
      pins: pinsFor(o, out),
      tokenChoice: tokenChoice(o),
      onProgress: (p) => out.progress(p),
    });
    const again = profile.store.document(doc.id)!;
    if (again.status === 'rejected') throw refusedByHub(again, out);
    return reportSession(result, out);
  };
}

export async function clarify(profile: ClerkProfile, o: Options, positional: string[], out: Output): Promise<number> {
  const [ref] = positional;
  const text = str(o, 'text');
  if (!ref || !text) throw new CliError(words('needs.clarify'));
  const doc = documentRef(profile, ref, 'clarify');
  if (doc.direction !== 'in') throw new CliError(words('no.received', { ref }));
  const id = profile.store.requireServiceDocument(doc.id, 'clarification', text);
  out.info(out.t('clarify.waiting', { title: doc.title }));
  if (flag(o, 'queue-only')) {
    out.result({ serviceDocument: id }, () => out.t('clarify.queued', { id }));
    return 0;
  }
  const result = await profile.runSession({
    trigger: 'manual',
    pins: pinsFor(o, out),
    tokenChoice: tokenChoice(o),
    onProgress: (p) => out.progress(p),
  });
  return reportSession(result, out);
}

/** A document by its number in the inbox or outbox, or its hub id. */
function documentRef(profile: ClerkProfile, ref: string | undefined, command: string): DocumentRow {
  if (!ref) throw new CliError(words('needs.document', { command }));
  const doc =
    (/^\d+$/.test(ref) ? profile.store.document(Number(ref)) : undefined) ?? profile.store.documentByHubId(ref);
  if (!doc) throw new CliError(words('no.document', { ref }));
  return doc;
}

/**
 * sign-document, refuse, annul, annulment accept|reject (docs/architecture.md §5a): the clerk's
 * own act, signed now with the clerk's token or key, then posted by an exchange session.
 */
export function workflowCommand(step: WorkflowStep, command: string) {
  return async (profile: ClerkProfile, o: Options, positional: string[], out: Output): Promise<number> => {
    const doc = documentRef(profile, positional[0], command);
    const pins = pinsFor(o, out);
    const source = profile.signerSource(pins, tokenChoice(o));
    if (!source) throw new CliError(words('no.signer'));
    let queued: WorkflowStepRow;
    try {
      const representative = profile.representativeCheck(source, pins, tokenChoice(o));
      queued = await takeWorkflowStep(profile.store, { source, representative }, doc.id, step, str(o, 'reason'));
    } catch (e) {
      if (e instanceof WorkflowError) {
        // The workflow's own refusals by code; another (an МЧД's) as the core words it.
        const key = `workflowRefusal.${e.code}`;
        throw new CliError(isCliKey(key) ? words(key, { title: doc.title }) : e.message, 1, e.code);
      }
      if (e instanceof PowerOfAttorneyRefused)
        throw new CliError(`${e.message}. ${powerOfAttorneyText('nothingSigned', {}, out.language)}`, 1, e.code);
      return fromTokenError(e);
    } finally {
      if (source instanceof TokenSignerSource) source.close();
    }
    out.info(out.t('workflow.signed', { command, title: doc.title }));
    const state = () => {
      const now = profile.store.document(doc.id)!;
      const step = profile.store.workflowStep(queued.id)!;
      return {
        document: {
          id: now.id,
          hubId: now.hubId,
          title: now.title,
          signatureState: now.recipientSignatureState,
          annulmentState: now.annulmentState,
        },
        step: { id: step.id, step: step.step, state: step.state, refusal: step.refusal, error: step.lastError },
      };
    };
    if (flag(o, 'queue-only')) {
      out.result(state(), () => out.t('workflow.queued', { id: queued.id }));
      return 0;
    }
    const result = await profile.runSession({
      trigger: 'manual',
      pins,
      tokenChoice: tokenChoice(o),
      onProgress: (p) => out.progress(p),
    });
    const after = state();
    if (after.step.state === 'failed')
      throw new CliError(
        out.t('workflow.refused', { command, title: doc.title, reason: after.step.error ?? after.step.refusal ?? '' }),
        1,
        after.step.refusal ?? 'refused',
      );
    out.result({ ...after, session: { outcome: result.outcome, error: result.error } }, () =>
      [
        after.step.state === 'done'
          ? out.t('workflow.accepted', { command, title: doc.title })
          : out.t('workflow.notPosted', {
              command,
              title: doc.title,
              reason: after.step.error ?? result.error ?? out.t(`outcome.${result.outcome}`),
            }),
        out.t('workflow.state', {
          signature: after.document.signatureState
            ? workflowStateWords[out.language][`signatureState.${after.document.signatureState}`]
            : out.t('workflow.notRequested'),
          annulment: after.document.annulmentState
            ? workflowStateWords[out.language][`annulmentState.${after.document.annulmentState}`]
            : out.t('workflow.none'),
        }),
      ].join('\n'),
    );
    return after.step.state === 'done' ? 0 : exitOf(result);
  };
}

/** What waits for the clerk's own signature or answer (never signed by "Sign all" or the agent). */
export function awaiting(profile: ClerkProfile, _o: Options, out: Output): number {
  const { signature, annulment } = profile.store.awaitingOurAnswer();
  const line = (d: DocumentRow) => ({
    id: d.id,
    hubId: d.hubId,
    title: d.title,
    counterparty: d.counterpartyName || d.counterpartyId,
  });
  const value = { signatureRequested: signature.map(line), annulmentProposed: annulment.map(line) };
  out.result(value, () =>
    [
      out.t('awaiting.signature', { count: value.signatureRequested.length }),
      ...value.signatureRequested.map((d) => `  ${d.id}  ${d.title} — ${d.counterparty}`),
      out.t('awaiting.annulment', { count: value.annulmentProposed.length }),
      ...value.annulmentProposed.map((d) => `  ${d.id}  ${d.title} — ${d.counterparty}`),
    ].join('\n'),
  );
  return 0;
}

export function contacts(profile: ClerkProfile, _o: Options, out: Output): number {
  const items = profile.store.contacts().map((c) => ({
    ...c,
    name: profile.store.subscriber(c.counterpartyId)?.name ?? c.counterpartyId,
    inn: profile.store.subscriber(c.counterpartyId)?.inn,
  }));
  out.result({ contacts: items }, () =>
    items.length === 0
      ? out.t('contacts.none')
      : table(
          items.map((c) => [
            c.name,
            out.t('contacts.inn', { inn: c.inn ?? '?' }),
            contactStateWords[out.language][`contacts.state.${c.state}`],
          ]),
        ),
  );
  return 0;
}

/** contact invite|accept|reject SUBSCRIBER: changes the relation at the hub; the next session mirrors it. */
export function contactAction(action: 'invite' | 'accept' | 'reject') {
  return async (profile: ClerkProfile, o: Options, positional: string[], out: Output): Promise<number> => {
    const [who] = positional;
    if (!who) throw new CliError(words('needs.subscriber', { action }));
    const counterparty = findCounterparty(profile, who, out);
    let hub: Awaited<ReturnType<ClerkProfile['connect']>>;
    try {
      hub = await profile.connect(pinsFor(o, out), tokenChoice(o));
    } catch (e) {
      return fromTokenError(e);
    }
    try {
      const contact =
        action === 'invite'
          ? await hub.client.invite(counterparty.id, str(o, 'message'))
          : action === 'accept'
            ? await hub.client.accept(counterparty.id)
            : await hub.client.reject(counterparty.id);
      profile.store.recordContact(contact);
      out.result(
        { contact },
        () => `${counterparty.name}: ${contactStateWords[out.language][`contacts.state.${contact.state}`]}`,
      );
      return 0;
    } finally {
      hub.close();
    }
  };
}

/** The unattended exchange agent (mode "server"): sessions in a loop until SIGTERM/SIGINT; with --web, the staff's web client too. */
export async function agent(profile: ClerkProfile, o: Options, out: Output): Promise<number> {
  const intervalMs = integer(o, 'interval', { min: 1, max: 24 * 3600 }, 60) * 1000;
  const listen = staffWebListen(o);
  if (listen && profile.settings.mode !== 'server')
    throw new CliError(words('agent.notServer', { mode: profile.settings.mode }));
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  let last = 0;
  let staffWeb: RunningWebClient | undefined;
  try {
    if (listen) {
      staffWeb = await startStaffWeb({ profile, ...listen });
      if (out.json) process.stdout.write(`${JSON.stringify({ staffWeb: staffWeb.server.url })}\n`);
      else out.info(out.t('agent.web', { url: staffWeb.server.url }));
    }
    while (!stop.signal.aborted) {
      const result = await profile.runSession({
        trigger: 'agent',
        signal: stop.signal,
        onProgress: (p) => out.progress(p),
      });
      if (out.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else
        [out.t('agent.session', { run: result.runId ? ` ${result.runId}` : '', ...sessionWords(result, out) })]
          .concat(powerOfAttorneyRefusals(result, out))
          .forEach((line) => out.info(line));
      if (result.outcome === 'not-allowed') return 1;
      last = exitOf(result);
      if (flag(o, 'once')) break;
      await new Promise<void>((r) => {
        const timer = setTimeout(r, intervalMs);
        stop.signal.addEventListener('abort', () => (clearTimeout(timer), r()), { once: true });
      });
    }
    return stop.signal.aborted ? 0 : last;
  } finally {
    await staffWeb?.stop();
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}
