// The director's МЧД in the in-memory services (the UI suites): the rules the Organization
// view relies on, as the core keeps them (src/workplace/power-of-attorney.ts issueAtHub): the
// day's token logged in first, the signer must be the organization's director, the
// representative's file must hold a certificate; what is issued is registered at once.
import { randomUUID } from 'node:crypto';
import type { PowerOfAttorneyIssueArgs, TokenStatus } from '../../../src/ipc/contract';
import { DEFAULT_POWER_CODES } from '../../../src/ipc/contract';
import type { PowerOfAttorneyService } from '../../../main/services';

export interface MemoryIssued {
  number: string;
  powerCodes: string[];
  validUntil: string;
  redelegation: boolean;
}

export class MemoryPowersOfAttorney {
  /** Who the day's token belongs to: the director (INNLE of the organization) or an employee. */
  signer: 'director' | 'employee' = 'director';
  /** What the (imagined) hub registered. */
  readonly registered: MemoryIssued[] = [];

  constructor(
    private readonly token: () => TokenStatus,
    private readonly organization: { name: string; inn: string },
  ) {}

  service(): PowerOfAttorneyService {
    return {
      issue: async (args: PowerOfAttorneyIssueArgs) => {
        const file = Buffer.from(args.representativeCertificate, 'base64');
        if (!file.toString('latin1').includes('-----BEGIN CERTIFICATE-----') && file[0] !== 0x30)
          return { refused: { problem: 'no-certificate', facts: {} } };
        const token = this.token();
        if (token.state !== 'logged-in')
          return { refused: { tokenReason: token.state === 'absent' ? 'token-not-present' : 'pin-required' } };
        const { name, inn } = this.organization;
        if (this.signer !== 'director') {
          const facts = { signer: token.owner?.name ?? '?', organization: name, inn, orgInn: '—' };
          return { refused: { problem: 'other-organization', facts } };
        }
        const number = randomUUID();
        const issued = {
          number,
          powerCodes: args.powerCodes.length > 0 ? args.powerCodes : [...DEFAULT_POWER_CODES],
          validUntil: args.validUntil,
          redelegation: !args.noRedelegation,
        };
        this.registered.push(issued);
        const issuedOn = new Date().toISOString().slice(0, 10);
        const fileName = `ON_EMCHD_${issuedOn.replaceAll('-', '')}_${number}.xml`;
        return {
          files: { fileName, xml: Buffer.from(`<Доверенность НомДовер="${number}"/>`), signature: Buffer.from('CMS') },
          record: {
            number,
            subscriberId: 'sub-romashka',
            fileName,
            principalInn: inn,
            representative: { name: 'Представитель' },
            powers: issued.powerCodes,
            issuedOn,
            validUntil: args.validUntil,
            status: 'active',
            registeredAt: new Date().toISOString(),
            signedBy: token.owner?.name ?? '?',
          },
        };
      },
    };
  }
}
