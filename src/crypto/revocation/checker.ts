// The status of every certificate of a signer's chain at the time that counts (the trusted
// time, else the operator's send time): from evidence the signature already carries, then
// OCSP (AIA, or a proxy), then CRLs (a folder, or the CDP, cached until nextUpdate).
// "unknown" names every source that failed: it is never taken for "good".
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeCertificate } from '../certificates';
import { crlDer, readCrl, type Crl } from './crl';
import { sha1, statusFields, type StatusFields } from './certificate-fields';
import { basicResponseOf, ocspRequest, readOcspAnswer, type OcspAnswer } from './ocsp';
import type { CertificateStatusName, RevocationReason, RevocationSource } from './vocabulary';

export interface StatusEvidence {
  source: RevocationSource;
  /** DER: the BasicOCSPResponse, or the CRL. */
  der: Buffer;
  /** Who vouches: the OCSP responder's or the CRL issuer's subject. */
  by: string;
  /** Where it came from: a URL, a CRL file, or "embedded" (the signature's revocation values). */
  from: string;
  /** OCSP producedAt, or the CRL's thisUpdate. */
  producedAt: Date;
  thisUpdate: Date;
  nextUpdate?: Date;
  /** OCSP only: the responderID as encoded, for complete-revocation-references. */
  responderId?: Buffer;
}

export interface CertificateStatus {
  status: CertificateStatusName;
  /** The certificate's subject and serial, as people read them. */
  subject: string;
  serialNumber: string;
  /** DER of the certificate. */
  certificate: Buffer;
  evidence?: StatusEvidence;
  /** Revoked: when and why. On a good one: a revocation after the time that counts (it does not touch the signature). */
  revocation?: { at: Date; reason: RevocationReason };
  /** Unknown: why each source failed. */
  problems: string[];
}

export interface ChainStatus {
  /** revoked if any certificate is, else unknown if any is, else good. */
  status: CertificateStatusName;
  at: Date;
  /** Leaf first; the trust anchor is not checked. */
  certificates: CertificateStatus[];
}

export interface RevocationSettings {
  /** A folder of CRL files (DER or PEM), read before any CDP is fetched: closed networks. */
  crlFolder?: string;
  /** Every OCSP request goes to this URL instead of the certificate's AIA. */
  ocspProxy?: string;
  /** Only the evidence embedded in the signature (and the CRL folder): no network at all. */
  offline?: boolean;
  /** Per request; default 5 s. */
  timeoutMs?: number;
  /**
   * The longest an OCSP answer (good or revoked) is reused for the same certificate, never past
   * its nextUpdate (one without nextUpdate: a minute at most), so a burst of one signer's
   * documents asks the responder once. Absent or 0: every check asks (a clerk's session).
   */
  ocspCacheSeconds?: number;
}

export interface EmbeddedEvidence {
  /** BasicOCSPResponse DERs. */
  ocsp: Buffer[];
  crls: Buffer[];
}

/** Clock skew allowed between us, responders and TSAs. */
const skewMs = 5 * 60_000;

/** How long an OCSP answer that names no nextUpdate may be reused (ocspCacheSeconds caps it further). */
const withoutNextUpdateMs = 60_000;
/** Cached OCSP answers kept at most; the expired go first, then the oldest. */
const ocspCacheLimit = 10_000;

/** Evidence speaks for `at` when issued after it (a status then, revocations being permanent), or when `at` falls before its nextUpdate. */
function covers(evidence: { thisUpdate: Date; nextUpdate?: Date }, at: Date): boolean {
  return (
    evidence.thisUpdate.getTime() >= at.getTime() - skewMs ||
    (evidence.nextUpdate !== undefined && at <= evidence.nextUpdate)
  );
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export class RevocationChecker {
  /** By URL, with the issuer certificate it was checked against. */
  private readonly crlCache = new Map<string, { crl: Crl; issuer: Buffer }>();
  /** By responder URL, issuer (name and key) and serial: the answer, or the request in flight, and until when it is reused. */
  private readonly ocspCache = new Map<string, { answer: Promise<OcspAnswer>; until: number }>();

  constructor(readonly settings: RevocationSettings = {}) {}

  /** `chain`: DER certificates, leaf first, the trust anchor last (as buildChain gives them). */
  async checkChain(
    chain: Buffer[],
    at: Date,
    embedded: EmbeddedEvidence = { ocsp: [], crls: [] },
  ): Promise<ChainStatus> {
    const certificates: CertificateStatus[] = [];
    for (let i = 0; i + 1 < chain.length; i++)
      certificates.push(await this.check(chain[i]!, chain[i + 1]!, at, embedded));
    const status = certificates.some((c) => c.status === 'revoked')
      ? 'revoked'
      : certificates.some((c) => c.status === 'unknown')
        ? 'unknown'
        : 'good';
    return { status, at, certificates };
  }

  async check(
    certificateDer: Buffer,
    issuerDer: Buffer,
    at: Date,
    embedded: EmbeddedEvidence,
  ): Promise<CertificateStatus> {
    const certificate = statusFields(certificateDer);
    const issuer = statusFields(issuerDer);
    const identity = describeCertificate(certificateDer);
    const base = { subject: identity.subject, serialNumber: identity.serialNumber, certificate: certificateDer };
    const problems: string[] = [];
    const verdict = (
      answer: { revokedAt?: Date; reason?: RevocationReason; status: 'good' | 'revoked' | 'unknown' },
      evidence: StatusEvidence,
    ): CertificateStatus | undefined => {
      if (answer.status === 'unknown') {
        problems.push(`${evidence.by} (${evidence.from}) does not know the certificate`);
        return undefined;
      }
      const revocation =
        answer.status === 'revoked' ? { at: answer.revokedAt!, reason: answer.reason ?? 'unspecified' } : undefined;
      // A signature made before the revocation stays valid (63-FZ art. 11: the certificate counts at the moment of signing).
      const status = revocation && revocation.at <= at ? 'revoked' : 'good';
      return { ...base, status, evidence, revocation, problems };
    };
    const fromOcsp = (answer: OcspAnswer, from: string) =>
      verdict(answer, {
        source: 'ocsp',
        der: answer.basic,
        by: answer.responder,
        from,
        producedAt: answer.producedAt,
        thisUpdate: answer.thisUpdate,
        nextUpdate: answer.nextUpdate,
        responderId: answer.responderId,
      });
    const fromCrl = (crl: Crl, from: string) =>
      verdict(
        { status: crl.entry(certificate.serial) ? 'revoked' : 'good', ...crl.entry(certificate.serial) },
        {
          source: 'crl',
          der: crl.der,
          by: crl.issuer,
          from,
          producedAt: crl.thisUpdate,
          thisUpdate: crl.thisUpdate,
          nextUpdate: crl.nextUpdate,
        },
      );

    for (const basic of embedded.ocsp) {
      try {
        const answer = readOcspAnswer(basic, certificate, issuer);
        const found = answer && covers(answer, at) ? fromOcsp(answer, 'embedded') : undefined;
        if (found) return found;
      } catch (e) {
        problems.push(`embedded OCSP response: ${message(e)}`);
      }
    }
    for (const der of embedded.crls) {
      try {
        const crl = readCrl(der, issuer);
        const found = crl && covers(crl, at) ? fromCrl(crl, 'embedded') : undefined;
        if (found) return found;
      } catch (e) {
        problems.push(`embedded CRL: ${message(e)}`);
      }
    }
    for (const file of this.folderCrls()) {
      try {
        const crl = readCrl(crlDer(readFileSync(file)), issuer);
        const found = crl && covers(crl, at) ? fromCrl(crl, file) : undefined;
        if (found) return found;
        if (crl)
          problems.push(
            `${file}: the CRL does not cover ${at.toISOString()} (next update ${crl.nextUpdate?.toISOString() ?? 'none'})`,
          );
      } catch (e) {
        problems.push(`${file}: ${message(e)}`);
      }
    }
    if (this.settings.offline) {
      problems.push('offline: no status evidence in the signature covers this certificate');
      return { ...base, status: 'unknown', problems };
    }
    const ocspUrls = this.settings.ocspProxy ? [this.settings.ocspProxy] : certificate.ocspUrls;
    for (const url of ocspUrls) {
      try {
        const answer = await this.cachedOcsp(url, certificate, issuer);
        if (!covers(answer, at)) {
          problems.push(
            `OCSP ${url}: the answer of ${answer.thisUpdate.toISOString()} does not cover ${at.toISOString()}`,
          );
          continue;
        }
        const found = fromOcsp(answer, url);
        if (found) return found;
      } catch (e) {
        problems.push(`OCSP ${url}: ${message(e)}`);
      }
    }
    for (const url of certificate.crlUrls) {
      try {
        const crl = await this.fetchCrl(url, issuer);
        const found = covers(crl, at) ? fromCrl(crl, url) : undefined;
        if (found) return found;
        problems.push(`CRL ${url}: it does not cover ${at.toISOString()}`);
      } catch (e) {
        problems.push(`CRL ${url}: ${message(e)}`);
      }
    }
    if (ocspUrls.length === 0 && certificate.crlUrls.length === 0)
      problems.push('the certificate names no OCSP responder and no CRL distribution point');
    return { ...base, status: 'unknown', problems };
  }

  private folderCrls(): string[] {
    const folder = this.settings.crlFolder;
    if (!folder) return [];
    return readdirSync(folder)
      .filter((name) => /\.(crl|pem|der)$/i.test(name))
      .map((name) => join(folder, name));
  }

  private async post(url: string, body: Buffer): Promise<Buffer> {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/ocsp-request', accept: 'application/ocsp-response' },
      body: new Uint8Array(body),
      signal: AbortSignal.timeout(this.settings.timeoutMs ?? 5000),
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return Buffer.from(await response.arrayBuffer());
  }

  /**
   * askOcsp, through the cache when ocspCacheSeconds is set: concurrent checks of one certificate
   * share one request; a failed request is not kept, so the next check asks again.
   */
  private cachedOcsp(url: string, certificate: StatusFields, issuer: StatusFields): Promise<OcspAnswer> {
    const keepMs = (this.settings.ocspCacheSeconds ?? 0) * 1000;
    if (keepMs <= 0) return this.askOcsp(url, certificate, issuer);
    const key = [
      url,
      sha1(issuer.subject).toString('hex'),
      sha1(issuer.publicKeyBits).toString('hex'),
      certificate.serial.toString('hex'),
    ].join(' ');
    const cached = this.ocspCache.get(key);
    if (cached && cached.until > Date.now()) return cached.answer;
    const entry = { answer: this.askOcsp(url, certificate, issuer), until: Number.POSITIVE_INFINITY };
    this.ocspCache.delete(key);
    this.ocspCache.set(key, entry);
    this.pruneOcspCache();
    entry.answer.then(
      (answer) => {
        const fetched = Date.now();
        entry.until = Math.min(fetched + keepMs, answer.nextUpdate?.getTime() ?? fetched + withoutNextUpdateMs);
      },
      () => {
        if (this.ocspCache.get(key) === entry) this.ocspCache.delete(key);
      },
    );
    return entry.answer;
  }

  private pruneOcspCache(): void {
    if (this.ocspCache.size <= ocspCacheLimit) return;
    const now = Date.now();
    for (const [key, entry] of this.ocspCache) if (entry.until <= now) this.ocspCache.delete(key);
    for (const key of this.ocspCache.keys()) {
      if (this.ocspCache.size <= ocspCacheLimit) break;
      this.ocspCache.delete(key);
    }
  }

  private async askOcsp(url: string, certificate: StatusFields, issuer: StatusFields): Promise<OcspAnswer> {
    const request = ocspRequest(certificate, issuer);
    const answer = readOcspAnswer(basicResponseOf(await this.post(url, request.der)), certificate, issuer);
    if (!answer) throw new Error('the response is about other certificates');
    // A replayed old "good" must not pass: the nonce, when echoed, must be ours; when not, the answer must be fresh.
    if (
      answer.nonce ? !answer.nonce.equals(request.nonce) : Math.abs(answer.producedAt.getTime() - Date.now()) > skewMs
    ) {
      throw new Error(
        answer.nonce ? "the response nonce is not the request's" : 'the response has no nonce and is not fresh',
      );
    }
    return answer;
  }

  /** The issuer's CRL from `url`, kept until its nextUpdate. */
  private async fetchCrl(url: string, issuer: StatusFields): Promise<Crl> {
    const cached = this.crlCache.get(url);
    if (cached?.issuer.equals(issuer.der) && cached.crl.nextUpdate && cached.crl.nextUpdate.getTime() > Date.now())
      return cached.crl;
    const response = await fetch(url, { signal: AbortSignal.timeout(this.settings.timeoutMs ?? 5000) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const crl = readCrl(crlDer(Buffer.from(await response.arrayBuffer())), issuer);
    if (!crl) throw new Error("the CRL there is another issuer's");
    if (crl.nextUpdate && crl.nextUpdate.getTime() < Date.now())
      throw new Error(`the CRL is stale (next update ${crl.nextUpdate.toISOString()})`);
    this.crlCache.set(url, { crl, issuer: issuer.der });
    return crl;
  }
}
