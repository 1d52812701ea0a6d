// edo-clerk poa create: the director issues a machine-readable power of attorney (МЧД) to an
// employee's personal certificate, signed with the director's key of this profile; the files
// go to --out for registration at the hub.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readCertificates } from '../crypto/certificates';
import { issuePowerOfAttorney, PowerOfAttorneyIssueError } from '../exchange/power-of-attorney';
import { TokenSignerSource, type ClerkProfile } from '../exchange/profile';
import { FormatError } from '../formats';
import { powerOfAttorneyPath } from '../protocol';
import { fromTokenError, signerFor, type Options } from './commands';
import { CliError, type Output } from './output';

const str = (o: Options, name: string): string | undefined =>
  typeof o[name] === 'string' ? (o[name] as string) : undefined;

export async function poaCreate(profile: ClerkProfile, o: Options, _args: string[], out: Output): Promise<number> {
  const representativeFile = str(o, 'representative');
  const validUntil = str(o, 'valid-until');
  const outDir = str(o, 'out');
  if (!representativeFile || !validUntil || !outDir) {
    throw new CliError('poa create needs --representative CERT.pem, --valid-until YYYY-MM-DD and --out DIR');
  }
  const representativeCertificate = readCertificates(readFileSync(representativeFile))[0];
  if (!representativeCertificate) throw new CliError(`No certificate in ${representativeFile}`);
  const powerCodes = (str(o, 'powers') ?? '').split(',').map((c) => c.trim()).filter(Boolean);
  const source = signerFor(profile, o);
  try {
    const hub = await profile.connect(undefined, {}, source);
    hub.close();
    const { subscriber } = hub.me;
    if (!subscriber.kpp) throw new CliError(`The hub knows no KPP of ${subscriber.name}; an МЧД names it`);
    const serverUrl = profile.settings.serverUrl.replace(/\/+$/, '');
    const issued = await issuePowerOfAttorney({
      director: await source.acquire(),
      representativeCertificate,
      organization: { name: subscriber.name, inn: subscriber.inn, kpp: subscriber.kpp },
      powerCodes,
      ...(str(o, 'text') ? { powerText: str(o, 'text') } : {}),
      validUntil,
      redelegation: o['no-redelegation'] !== true,
      statusService: (number) => `${serverUrl}${powerOfAttorneyPath(number)}`,
    });
    const dir = resolve(outDir);
    mkdirSync(dir, { recursive: true });
    const xmlFile = join(dir, issued.fileName);
    writeFileSync(xmlFile, issued.xml);
    writeFileSync(`${xmlFile}.sig`, issued.signature);
    out.result(
      { number: issued.number, fileName: issued.fileName, xml: xmlFile, signature: `${xmlFile}.sig` },
      () => `Power of attorney ${issued.number} → ${xmlFile} (+ .sig)`,
    );
    return 0;
  } catch (e) {
    if (e instanceof PowerOfAttorneyIssueError) throw new CliError(e.message, 1, e.code);
    if (e instanceof FormatError) throw new CliError(e.message, 1, 'format');
    return fromTokenError(e);
  } finally {
    if (source instanceof TokenSignerSource) source.close();
  }
}
