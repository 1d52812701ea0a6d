// The evidence package checked offline (docs/architecture.md §7): the manifest and its
// signature, every part's SHA-256, every signature with the evidence it embeds (timestamp,
// revocation values) at its trusted time, the service documents against their XSDs
// (src/formats), each МЧД against its XSD and its principal's signature (with the status evidence
// kept beside it), a signature made under an МЧД against the МЧД's representative and term, and
// the archive entry's inclusion proof against the operator-signed tree head.
// A verdict per part; the package holds only when every part does.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { archivedEntrySchema } from '../archive/entry';
import { ArchiveVerificationError } from '../archive/errors';
import { treeHeadFromJson } from '../archive/tree-head';
import { inclusionProofJsonSchema, verifyArchivedEntry } from '../archive/verify';
import { verifyDetached } from '../crypto/cms';
import { readCertificates } from '../crypto/certificates';
import {
  ANNULMENT_FILE_PREFIX,
  certificateIsPerson,
  moscowDate,
  parseAnnulmentProposal,
  parsePowerOfAttorney,
  parseServiceDocument,
} from '../formats';
import { digestContent, type ContentSource } from '../crypto/digest';
import { analyzeSignature, evidenceBeside, type SignatureFacts } from './analyze';
import type { LongTermVerdict } from '../vocabulary/signature-status';
import { ZipReader } from './zip-reader';
import { manifestPath, manifestSchema, manifestSignaturePath, type Manifest, type ManifestPart } from './package';

export interface PartVerdict {
  path: string;
  ok: boolean;
  message: string;
  /** Not ok because a certificate's status could not be determined from what the package holds (not shown invalid either). */
  undetermined?: true;
}

export interface PackageVerdict {
  ok: boolean;
  /** valid: every part holds; invalid: some part fails; undetermined: none fails, but some status could not be determined. */
  verdict: LongTermVerdict;
  parts: PartVerdict[];
  manifest?: Manifest;
}

export interface VerifyPackageOptions {
  /** The day of verification (default now): the time that counts for a signature without a timestamp of its own. */
  at?: Date;
  /** Roots to judge signers' certificates by; default the package's own (named in the verdict). */
  trustedRoots?: Buffer[];
  /** The operator certificate to judge confirmations and tree heads by; default the package's. */
  operatorCertificate?: Buffer;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const overall = (parts: PartVerdict[]): { ok: boolean; verdict: LongTermVerdict } => {
  const verdict = parts.some((p) => !p.ok && !p.undetermined)
    ? 'invalid'
    : parts.some((p) => p.undetermined)
      ? 'undetermined'
      : 'valid';
  return { ok: verdict === 'valid', verdict };
};
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Parts up to this size are kept in memory once read (XML, JSON, certificates, signatures); larger ones are streamed each time. */
const keptBytes = 16 * 1024 * 1024;

/**
 * Checks a package (a file, or its bytes) without holding it: the ZIP is read through a file
 * handle, each part streamed through SHA-256 once; only parts up to `keptBytes` stay in memory,
 * and a larger one (the original) is streamed again into its signatures' checks.
 */
export async function verifyEvidencePackage(
  zip: Buffer | string,
  options: VerifyPackageOptions = {},
): Promise<PackageVerdict> {
  if (typeof zip === 'string') return verifyPackageFile(zip, options);
  const dir = mkdtempSync(join(tmpdir(), 'edo-evidence-'));
  try {
    writeFileSync(join(dir, 'package.zip'), zip);
    return await verifyPackageFile(join(dir, 'package.zip'), options);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function verifyPackageFile(file: string, options: VerifyPackageOptions): Promise<PackageVerdict> {
  const verdicts: PartVerdict[] = [];
  const fail = (path: string, text: string) => verdicts.push({ path, ok: false, message: text });
  let reader: ZipReader;
  try {
    reader = await ZipReader.open(file);
  } catch (e) {
    fail('(zip)', `not a readable ZIP: ${message(e)}`);
    return { ...overall(verdicts), parts: verdicts };
  }
  try {
    return await verifyParts(reader, options, verdicts);
  } catch (e) {
    fail('(zip)', `not a readable ZIP: ${message(e)}`);
    return { ...overall(verdicts), parts: verdicts };
  } finally {
    await reader.close();
  }
}

async function verifyParts(
  reader: ZipReader,
  options: VerifyPackageOptions,
  verdicts: PartVerdict[],
): Promise<PackageVerdict> {
  const pass = (path: string, text: string) => verdicts.push({ path, ok: true, message: text });
  const fail = (path: string, text: string) => verdicts.push({ path, ok: false, message: text });
  const has = (path: string) => reader.entries.has(path);
  /** Reads a part whole, never past `limit` bytes (a part larger than it says is cut there, and then its digest differs). */
  const readPart = async (path: string, limit: number, digest?: ReturnType<typeof createHash>) => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of await reader.stream(reader.entries.get(path)!)) {
      const b = chunk as Buffer;
      size += b.length;
      digest?.update(b);
      if (size <= limit) chunks.push(b);
      else if (!digest) throw new Error(`${path} is larger than ${limit} bytes`);
      else chunks.length = 0;
    }
    return { bytes: size <= limit ? Buffer.concat(chunks) : undefined, size };
  };
  const kept = new Map<string, Buffer>();
  const bytesOf = (path: string) => {
    const bytes = kept.get(path);
    if (!bytes) throw new Error(`${path} is too large to be read whole`);
    return bytes;
  };
  /** A large stored part (the original) as a range of the package file, read through one buffer used again. */
  const rangeOf = async (path: string) => {
    const entry = reader.entries.get(path)!;
    return entry.method === 0
      ? { path: reader.file, start: await reader.dataStart(entry), length: entry.compressedSize }
      : undefined;
  };
  /** What a signature is checked over: the kept bytes, else the part's range of the file, else a fresh stream of it. */
  const contentOf = async (path: string): Promise<ContentSource> =>
    kept.get(path) ?? (await rangeOf(path)) ?? (await reader.stream(reader.entries.get(path)!));

  let manifest: Manifest;
  try {
    if (!has(manifestPath)) throw new Error('the package has no manifest.json');
    const read = await readPart(manifestPath, keptBytes);
    kept.set(manifestPath, read.bytes!);
    manifest = manifestSchema.parse(JSON.parse(read.bytes!.toString('utf8')));
  } catch (e) {
    fail(manifestPath, `unreadable: ${message(e)}`);
    return { ...overall(verdicts), parts: verdicts };
  }
  if (has(manifestSignaturePath))
    kept.set(manifestSignaturePath, (await readPart(manifestSignaturePath, keptBytes)).bytes!);

  // Every part through SHA-256 once; the small ones kept for their checks.
  const intact = new Set<string>();
  for (const part of manifest.parts) {
    if (!has(part.path)) {
      fail(part.path, 'listed in the manifest but missing from the ZIP');
      continue;
    }
    // A part larger than kept (the original) is only hashed: none of it is held.
    const range = part.size > keptBytes ? await rangeOf(part.path) : undefined;
    const digest = createHash('sha256');
    const read = range
      ? { size: range.length, bytes: undefined }
      : await readPart(part.path, part.size <= keptBytes ? part.size : 0, digest);
    const hex = range ? (await digestContent(range)).toString('hex') : digest.digest('hex');
    if (hex !== part.sha256 || read.size !== part.size) {
      fail(
        part.path,
        `SHA-256 ${hex} (${read.size} bytes) differs from the manifest's ${part.sha256} (${part.size} bytes)`,
      );
      continue;
    }
    if (read.bytes) kept.set(part.path, read.bytes);
    intact.add(part.path);
  }

  // What the package brings, and what the verifier was given instead.
  const of = (role: ManifestPart['role']) => manifest.parts.filter((p) => p.role === role && kept.has(p.path));
  const packagedRoots = of('trusted-root').flatMap((p) => readCertificates(bytesOf(p.path)));
  const trustedRoots = options.trustedRoots ?? packagedRoots;
  const packagedOperator = of('operator-certificate').flatMap((p) => readCertificates(bytesOf(p.path)))[0];
  const operatorCertificate = options.operatorCertificate ?? packagedOperator;

  if (kept.has(manifestSignaturePath)) {
    const check = await verifyDetached(bytesOf(manifestSignaturePath), bytesOf(manifestPath), {
      trustedRoots,
      at: new Date(manifest.createdAt),
    });
    if (check.valid)
      pass(
        manifestPath,
        `signed by ${check.signer?.commonName ?? '?'}${check.signer?.organization ? `, ${check.signer.organization}` : ''}`,
      );
    else
      fail(
        manifestPath,
        `its signature (${manifestSignaturePath}) does not verify: ${check.problems.map((p) => p.message).join('; ')}`,
      );
  } else {
    pass(manifestPath, 'not signed (made by a profile without a signer); its digests are checked');
  }

  const listed = new Set([manifestPath, manifestSignaturePath, ...manifest.parts.map((p) => p.path)]);
  for (const path of reader.entries.keys())
    if (!listed.has(path) && !path.endsWith('/')) fail(path, 'in the ZIP but not in the manifest');
  const original = manifest.parts.find((p) => p.role === 'original');
  if (original && original.sha256 !== manifest.document.sha256)
    fail(
      original.path,
      `the manifest lists the document as SHA-256 ${manifest.document.sha256}, its original part as ${original.sha256}`,
    );

  if (!operatorCertificate)
    fail('certificates/operator.pem', 'no operator certificate: confirmations and the tree head cannot be checked');
  const valid: ValidSignature[] = [];
  for (const part of manifest.parts) {
    if (!intact.has(part.path)) continue;
    try {
      const bytes = part.role === 'original' || part.role === 'card' ? Buffer.alloc(0) : bytesOf(part.path);
      if (part.role === 'signature') {
        const target = part.signs && manifest.parts.find((p) => p.path === part.signs);
        if (!target || !has(target.path)) {
          fail(part.path, `signs "${part.signs ?? ''}", which is not in the package`);
          continue;
        }
        const beside = manifest.parts.filter(
          (p) => p.role === 'status-evidence' && p.evidenceFor === part.path && intact.has(p.path),
        );
        const evidence = evidenceBeside(beside.map((p) => ({ source: p.type ?? '', der: bytesOf(p.path) })));
        const at = part.at ? new Date(part.at) : undefined;
        const facts = await analyzeSignature(bytes, await contentOf(target.path), {
          trustedRoots,
          operatorCertificate: operatorCertificate ?? Buffer.alloc(0),
          at,
          now: options.at,
          evidence,
        });
        const who = facts.signer
          ? `${facts.signer.commonName}${facts.signer.organization ? `, ${facts.signer.organization}` : ''}`
          : 'unknown signer';
        const when = facts.timestamp
          ? `timestamp ${facts.timestamp.at.toISOString()}`
          : `at ${part.at ?? 'the verification time'}`;
        if (facts.verdict === 'undetermined') {
          verdicts.push({
            path: part.path,
            ok: false,
            undetermined: true,
            message: `status could not be determined: ${facts.problems.join('; ')}`,
          });
          continue;
        }
        if (facts.verdict !== 'valid') {
          fail(part.path, `${facts.verdict}: ${facts.problems.join('; ') || 'the signature does not hold'}`);
          continue;
        }
        const poa = part.powerOfAttorney ? underPowerOfAttorney(part, facts, intact, bytesOf) : undefined;
        pass(
          part.path,
          `${facts.form} by ${who} over ${target.path}, ${when}, certificate ${facts.status ?? 'good'}${poa ? ` under ${poa.text}` : ''}`,
        );
        valid.push({ part, forInn: poa ? poa.principalInn : facts.signer?.orgInn });
      } else if (part.role === 'service-document' || part.role === 'operator-confirmation') {
        const name = part.path.split('/').pop()!;
        if (name.startsWith(`${ANNULMENT_FILE_PREFIX}_`)) {
          const parsed = parseAnnulmentProposal(bytes, name);
          pass(
            part.path,
            `annulment proposal ${parsed.fileId} follows its XSD (format ${parsed.formatVersion}), annulling ${parsed.annulledFile.name}`,
          );
        } else {
          const parsed = parseServiceDocument(bytes, name);
          pass(part.path, `${parsed.kind} ${parsed.fileId} follows its XSD (format ${parsed.formatVersion})`);
        }
      } else if (part.role === 'power-of-attorney') {
        const poa = parsePowerOfAttorney(bytes, part.path.split('/').pop());
        const to = poa.representatives
          .map((r) => (r.person ? `${r.person.surname} ${r.person.name}` : r.type))
          .join(', ');
        pass(
          part.path,
          `МЧД ${poa.number} follows its XSD (EMCHD_1), issued to ${to}, ${poa.issuedOn} to ${poa.validUntil}`,
        );
      } else if (part.role === 'inclusion-proof') {
        pass(part.path, verifyArchive(manifest, bytesOf, operatorCertificate));
      } else if (part.role === 'archive-entry') {
        const entry = archivedEntrySchema.parse(JSON.parse(bytes.toString('utf8')));
        if (entry.blobSha256 !== manifest.document.sha256)
          fail(part.path, `archives SHA-256 ${entry.blobSha256}, not the document's ${manifest.document.sha256}`);
        else pass(part.path, `entry ${entry.index} archives the original (${entry.size} bytes)`);
      } else {
        pass(part.path, 'digest matches');
      }
    } catch (e) {
      fail(
        e instanceof ArchiveVerificationError && e.problem === 'bad-signature' ? 'archive/tree-head.json' : part.path,
        message(e),
      );
    }
  }
  const workflow = workflowClaims(manifest, valid);
  if (workflow) (workflow.ok ? pass : fail)('(workflow)', workflow.message);
  if (trustedRoots === packagedRoots)
    pass(
      'certificates/roots',
      `signers judged by the package's own roots: ${packagedRoots.map((r) => sha256(r)).join(', ') || 'none'} (compare them with the CA's published ones, or give --trust)`,
    );
  return { ...overall(verdicts), parts: verdicts, manifest };
}

/** A signature that holds, and the organization it acts for: its certificate's (INNLE), else its МЧД's principal's. */
interface ValidSignature {
  part: ManifestPart;
  forInn?: string;
}

/**
 * What the manifest says of the document's workflow, against the signatures that hold: signed by
 * both needs the recipient's valid signature over the original; refused, the recipient's valid
 * signature over its refusal (УОУ); annulled, the proposal's and the acceptance's valid
 * signatures over one ПРА (docs/architecture.md §5a).
 */
function workflowClaims(manifest: Manifest, valid: ValidSignature[]): { ok: boolean; message: string } | undefined {
  const d = manifest.document;
  if (
    d.signatureState !== 'signed-by-both' &&
    d.signatureState !== 'signature-refused' &&
    d.annulmentState !== 'annulled'
  )
    return undefined;
  const original = manifest.parts.find((p) => p.role === 'original')?.path;
  const held: string[] = [];
  const missing: string[] = [];
  if (d.signatureState === 'signed-by-both') {
    const countersigned = valid.some(
      (v) => v.part.signs === original && v.part.type === 'recipient' && v.forInn === d.recipient.inn,
    );
    (countersigned ? held : missing).push(
      `signed by both: the recipient's (INN ${d.recipient.inn}) signature over the original`,
    );
  }
  if (d.signatureState === 'signature-refused') {
    const refused = valid.some((v) => v.part.type === 'signature-refusal' && v.forInn === d.recipient.inn);
    (refused ? held : missing).push(`refused: the recipient's (INN ${d.recipient.inn}) signed refusal (УОУ)`);
  }
  if (d.annulmentState === 'annulled') {
    const sides = [d.sender.inn, d.recipient.inn];
    const proposals = valid.filter((v) => v.part.type === 'annulment-proposal' && sides.includes(v.forInn ?? ''));
    const accepted = valid.some(
      (v) =>
        v.part.type === 'annulment-acceptance' &&
        sides.includes(v.forInn ?? '') &&
        proposals.some((p) => p.part.signs === v.part.signs && p.forInn !== v.forInn),
    );
    (accepted ? held : missing).push(
      'annulled: the proposal signed by one side and accepted by the other over the same ПРА',
    );
  }
  return missing.length
    ? { ok: false, message: `the manifest says ${missing.join('; ')}, which the package does not hold` }
    : { ok: true, message: held.join('; ') };
}

/** The МЧД a valid signature names holds for its signer on its signing day; throws naming what does not. */
function underPowerOfAttorney(
  part: ManifestPart,
  facts: SignatureFacts,
  intact: Set<string>,
  bytesOf: (path: string) => Buffer,
): { text: string; principalInn?: string } {
  const path = part.powerOfAttorney!;
  if (!intact.has(path)) throw new Error(`made under the МЧД ${path}, which is missing from the package or changed`);
  const poa = parsePowerOfAttorney(bytesOf(path), path.split('/').pop());
  if (!facts.signer || !poa.representatives.some((r) => r.person && certificateIsPerson(facts.signer!, r.person))) {
    throw new Error(
      `made under the МЧД ${poa.number}, which is not issued to the signer ${facts.signer?.commonName ?? '?'}`,
    );
  }
  const day = moscowDate(facts.timestamp?.at ?? (part.at ? new Date(part.at) : new Date()));
  if (day < poa.issuedOn || day > poa.validUntil)
    throw new Error(`made on ${day}, outside the term of the МЧД ${poa.number} (${poa.issuedOn} to ${poa.validUntil})`);
  return {
    text: `the МЧД ${poa.number} (${path}), issued to the signer, in force on ${day}`,
    principalInn: poa.principals[0]?.organization?.inn,
  };
}

/** The archive entry in the tree the operator signed; throws naming what broke. */
function verifyArchive(
  manifest: Manifest,
  bytesOf: (path: string) => Buffer,
  operatorCertificate: Buffer | undefined,
): string {
  const json = (role: ManifestPart['role']) => {
    const part = manifest.parts.find((p) => p.role === role);
    if (!part) throw new Error(`the package has no ${role}`);
    return JSON.parse(bytesOf(part.path).toString('utf8')) as unknown;
  };
  if (!operatorCertificate) throw new Error('no operator certificate to check the tree head with');
  const entry = archivedEntrySchema.parse(json('archive-entry'));
  const head = treeHeadFromJson(json('tree-head'));
  verifyArchivedEntry(entry, inclusionProofJsonSchema.parse(json('inclusion-proof')), head, { operatorCertificate });
  return `entry ${entry.index} is in the operator-signed tree of ${head.treeSize} entries (root ${head.rootHash.toString('hex')})`;
}
