// edo-clerk poa create: the director issues a machine-readable power of attorney (МЧД) to an
// employee's personal certificate, signed with the director's key of this profile; the files
// go to --out. edo-clerk poa use: the employee's profile attaches it to their certificate,
// registered at the hub (docs/architecture.md §7).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { describeCertificate, readCertificates } from '../crypto/certificates';
import { HubError, type HttpExchangeClient } from '../exchange/http-client';
import { PowerOfAttorneyIssueError } from '../exchange/power-of-attorney';
import { TokenSignerSource, type ClerkProfile } from '../exchange/profile';
import { certificateIsPerson, FormatError, parsePowerOfAttorney, type PowerOfAttorney } from '../formats';
import { SigningAction, type PowerOfAttorneyRecord } from '../protocol';
import {
  hubPowerOfAttorneyRefusal,
  isHubPowerOfAttorneyCode,
  powerOfAttorneyText,
} from '../vocabulary/power-of-attorney';
import { fromTokenError, signerFor } from './commands';
import {
  attachPowerOfAttorney,
  issueOrganizationPowerOfAttorney,
  registerPowerOfAttorney,
} from '../workplace/power-of-attorney';
import { words } from './i18n';
import { flag, str, type Options } from './options';
import { CliError, type Output } from './output';

export async function poaCreate(profile: ClerkProfile, o: Options, _args: string[], out: Output): Promise<number> {
  const representativeFile = str(o, 'representative');
  const validUntil = str(o, 'valid-until');
  const outDir = str(o, 'out');
  if (!representativeFile || !validUntil || !outDir) {
    throw new CliError(words('poa.needsCreate'));
  }
  const representativeCertificate = readCertificates(readFileSync(representativeFile))[0];
  if (!representativeCertificate) throw new CliError(words('certificate.none', { file: representativeFile }));
  const powerCodes = (str(o, 'powers') ?? '')
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  const source = signerFor(profile, o, out);
  try {
    const hub = await profile.connect(undefined, {}, source);
    hub.close();
    const issued = await issueOrganizationPowerOfAttorney(
      profile.settings.serverUrl,
      hub.me.subscriber,
      await source.acquire(),
      {
        representativeCertificate,
        powerCodes,
        ...(str(o, 'text') ? { powerText: str(o, 'text') } : {}),
        validUntil,
        redelegation: !flag(o, 'no-redelegation'),
      },
    );
    const dir = resolve(outDir);
    mkdirSync(dir, { recursive: true });
    const xmlFile = join(dir, issued.fileName);
    writeFileSync(xmlFile, issued.xml);
    writeFileSync(`${xmlFile}.sig`, issued.signature);
    out.result({ number: issued.number, fileName: issued.fileName, xml: xmlFile, signature: `${xmlFile}.sig` }, () =>
      out.t('poa.created', { number: issued.number, file: xmlFile }),
    );
    return 0;
  } catch (e) {
    if (e instanceof PowerOfAttorneyIssueError)
      throw new CliError(powerOfAttorneyText(`issue.${e.problem}`, e.facts, out.language), 1, e.code);
    if (e instanceof FormatError) throw new CliError(e.message, 1, 'format');
    return fromTokenError(e);
  } finally {
    if (source instanceof TokenSignerSource) source.close();
  }
}

/** The МЧД's record at the hub: registered now, or registered before with these very bytes. */
async function registered(
  client: HttpExchangeClient,
  fileName: string,
  xml: Buffer,
  signature: Buffer,
  number: string,
): Promise<PowerOfAttorneyRecord> {
  try {
    return await registerPowerOfAttorney(client, { fileName, xml, signature });
  } catch (e) {
    if (!(e instanceof HubError && e.code === 'poa-exists')) throw e;
    const {
      xml: kept,
      signature: _signature,
      ...record
    } = await client.call('getPowerOfAttorney', { params: { number } });
    if (!Buffer.from(kept, 'base64').equals(xml))
      throw new CliError(words('poa.otherFile', { number, file: fileName }), 1, 'poa-exists');
    return record;
  }
}

const personName = (p: { surname: string; name: string; patronymic?: string }) =>
  [p.surname, p.name, p.patronymic].filter(Boolean).join(' ');

function readPowerOfAttorney(
  file: string,
  o: Options,
): { fileName: string; xml: Buffer; signature: Buffer; poa: PowerOfAttorney } {
  const fileName = basename(file);
  const signatureFile = str(o, 'signature') ?? `${file}.sig`;
  if (!existsSync(file)) throw new CliError(words('poa.noFile', { file }));
  if (!existsSync(signatureFile)) throw new CliError(words('poa.noSignature', { file: signatureFile }));
  const xml = readFileSync(file);
  try {
    return { fileName, xml, signature: readFileSync(signatureFile), poa: parsePowerOfAttorney(xml, fileName) };
  } catch (e) {
    if (e instanceof FormatError)
      throw new CliError(words('poa.notEmchd', { file: fileName, detail: e.message }), 1, 'poa-format-invalid');
    throw e;
  }
}

/**
 * poa use FILE.xml [--signature FILE.sig] [--cert CERT.pem]: the МЧД the profile's personal
 * certificate (or --cert's) signs under from now on. Read strictly, it must name that
 * certificate's holder; it is registered at the hub (one registered before must be this very
 * file), checked there for each act, and kept with its signature in the profile's store.
 */
export async function poaUse(profile: ClerkProfile, o: Options, [file]: string[], out: Output): Promise<number> {
  if (!file) throw new CliError(words('poa.needsUse'));
  const { fileName, xml, signature, poa } = readPowerOfAttorney(file, o);
  const { language } = out;
  const source = signerFor(profile, o, out);
  let organization: string | undefined;
  try {
    const hub = await profile.connect(undefined, {}, source);
    organization = hub.me.subscriber.name;
    try {
      const certFile = str(o, 'cert');
      const certificate = certFile ? readCertificates(readFileSync(certFile))[0] : (await source.acquire()).certificate;
      if (!certificate) throw new CliError(words('certificate.none', { file: certFile ?? '' }));
      const holder = describeCertificate(certificate);
      if (!poa.representatives.some((r) => r.person && certificateIsPerson(holder, r.person))) {
        const names = poa.representatives.map((r) => (r.person ? personName(r.person) : r.type)).join(', ');
        throw new CliError(
          words('poa.otherPerson', { file: fileName, names, holder: holder.commonName }),
          1,
          'poa-other-person',
        );
      }
      const record = await registered(hub.client, fileName, xml, signature, poa.number.toLowerCase());
      const reference = { number: record.number, principalInn: record.principalInn };
      const checks = await Promise.all(
        SigningAction.options.map(async (action) => ({
          action,
          ...(await hub.client.checkPowerOfAttorney({
            reference,
            certificate: certificate.toString('base64'),
            action,
          })),
        })),
      );
      const entry = await attachPowerOfAttorney(profile, certificate, { fileName, xml, signature }, record);
      const facts = { signer: holder.commonName, organization: hub.me.subscriber.name, ...entry };
      out.result({ ...entry, status: record.status, powers: record.powers, checks }, () =>
        [
          powerOfAttorneyText('attached', facts, language),
          ...checks.map((c) =>
            c.ok
              ? powerOfAttorneyText('grants', { ...facts, action: c.action }, language)
              : powerOfAttorneyText(
                  'refused',
                  {
                    ...facts,
                    action: c.action,
                    reason: powerOfAttorneyText(c.error, { ...facts, action: c.action }, language),
                  },
                  language,
                ),
          ),
        ].join('\n'),
      );
      return 0;
    } finally {
      hub.close();
    }
  } catch (e) {
    if (e instanceof HubError && isHubPowerOfAttorneyCode(e.code))
      throw new CliError(hubPowerOfAttorneyRefusal(e.code, e.message, organization, language), 1, e.code);
    return fromTokenError(e);
  } finally {
    if (source instanceof TokenSignerSource) source.close();
  }
}
