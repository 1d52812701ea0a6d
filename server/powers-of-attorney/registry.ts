// The organizations' registry of machine-readable powers of attorney (docs/architecture.md §7),
// beside the exchange's tables and migrated by server/storage's runner: each МЧД as registered
// (the XML and the director's detached CMS, byte for byte), what the hub read from it, and an
// append-only journal of registrations and revocations. The status is worked out from the
// dates and the revocation at the moment asked, so an МЧД expires without a job running.
import { moscowDate } from '../../src/formats';
import type { ErrorCode, PowerOfAttorneyRecord, PowerOfAttorneyStatus } from '../../src/protocol';
import type { SchemaComponent, SqlDatabase, SqlTransaction } from '../storage/sql';

const tables = (blob: string) => `
CREATE TABLE powers_of_attorney (
  number TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  principal_inn TEXT NOT NULL,
  file_name TEXT NOT NULL,
  xml ${blob} NOT NULL,
  signature ${blob} NOT NULL,
  -- JSON: {name, inn?, snils?}
  representative TEXT NOT NULL,
  -- JSON array of КодПолн
  powers TEXT NOT NULL,
  powers_text TEXT,
  issued_on TEXT NOT NULL,
  valid_until TEXT NOT NULL,
  signed_by TEXT NOT NULL,
  registered_at TEXT NOT NULL,
  registered_by TEXT NOT NULL,
  revoked_at TEXT,
  revoked_by TEXT,
  revoke_reason TEXT
);
CREATE INDEX powers_of_attorney_by_org ON powers_of_attorney (org_id, registered_at);
CREATE TABLE poa_journal (
  org_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  number TEXT NOT NULL,
  reason TEXT,
  PRIMARY KEY (org_id, seq)
);
`;

export const powerOfAttorneySchema: SchemaComponent = {
  name: 'powers-of-attorney',
  migrations: [
    {
      sqlite: `${tables('BLOB')}
-- The journal is evidence: it only grows.
CREATE TRIGGER poa_journal_no_update BEFORE UPDATE ON poa_journal
BEGIN SELECT RAISE(ABORT, 'poa_journal is append-only'); END;
CREATE TRIGGER poa_journal_no_delete BEFORE DELETE ON poa_journal
BEGIN SELECT RAISE(ABORT, 'poa_journal is append-only'); END;
`,
      postgres: `${tables('BYTEA')}
CREATE FUNCTION poa_journal_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'poa_journal is append-only'; END $$;
CREATE TRIGGER poa_journal_append_only BEFORE UPDATE OR DELETE ON poa_journal FOR EACH ROW EXECUTE FUNCTION poa_journal_append_only();
`,
    },
  ],
};

/** A refusal the caller can act on, with the protocol's error code. */
export class PowerOfAttorneyError extends Error {
  override readonly name = 'PowerOfAttorneyError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface StoredPowerOfAttorney {
  number: string;
  orgId: string;
  principalInn: string;
  fileName: string;
  xml: Buffer;
  signature: Buffer;
  representative: PowerOfAttorneyRecord['representative'];
  powers: string[];
  powersText?: string;
  issuedOn: string;
  validUntil: string;
  signedBy: string;
  registeredAt: string;
  registeredBy: string;
  revokedAt?: string;
  revokedBy?: string;
  revokeReason?: string;
}

export interface PoaJournalEntry {
  seq: number;
  at: string;
  actor: string;
  action: 'register' | 'revoke';
  number: string;
  reason?: string;
}

interface Row {
  number: string;
  org_id: string;
  principal_inn: string;
  file_name: string;
  xml: Buffer;
  signature: Buffer;
  representative: string;
  powers: string;
  powers_text: string | null;
  issued_on: string;
  valid_until: string;
  signed_by: string;
  registered_at: string;
  registered_by: string;
  revoked_at: string | null;
  revoked_by: string | null;
  revoke_reason: string | null;
}

const fromRow = (r: Row): StoredPowerOfAttorney => ({
  number: r.number,
  orgId: r.org_id,
  principalInn: r.principal_inn,
  fileName: r.file_name,
  xml: Buffer.from(r.xml),
  signature: Buffer.from(r.signature),
  representative: JSON.parse(r.representative) as StoredPowerOfAttorney['representative'],
  powers: JSON.parse(r.powers) as string[],
  ...(r.powers_text !== null ? { powersText: r.powers_text } : {}),
  issuedOn: r.issued_on,
  validUntil: r.valid_until,
  signedBy: r.signed_by,
  registeredAt: r.registered_at,
  registeredBy: r.registered_by,
  ...(r.revoked_at !== null ? { revokedAt: r.revoked_at } : {}),
  ...(r.revoked_by !== null ? { revokedBy: r.revoked_by } : {}),
  ...(r.revoke_reason !== null ? { revokeReason: r.revoke_reason } : {}),
});

/** The status at `at`: revoked from its revocation on, else by its dates (Moscow calendar, inclusive). */
export function statusAt(
  poa: Pick<StoredPowerOfAttorney, 'issuedOn' | 'validUntil' | 'revokedAt'>,
  at: Date,
): PowerOfAttorneyStatus {
  if (poa.revokedAt !== undefined && new Date(poa.revokedAt) <= at) return 'revoked';
  const day = moscowDate(at);
  if (day < poa.issuedOn) return 'created';
  return day > poa.validUntil ? 'expired' : 'active';
}

/** What the protocol shows of a stored МЧД, with its status at `at`. */
export function recordView(poa: StoredPowerOfAttorney, at: Date): PowerOfAttorneyRecord {
  return {
    number: poa.number,
    subscriberId: poa.orgId,
    fileName: poa.fileName,
    principalInn: poa.principalInn,
    representative: poa.representative,
    powers: poa.powers,
    ...(poa.powersText !== undefined ? { powersText: poa.powersText } : {}),
    issuedOn: poa.issuedOn,
    validUntil: poa.validUntil,
    status: statusAt(poa, at),
    registeredAt: poa.registeredAt,
    signedBy: poa.signedBy,
    ...(poa.revokedAt !== undefined ? { revokedAt: poa.revokedAt } : {}),
    ...(poa.revokeReason !== undefined ? { revokeReason: poa.revokeReason } : {}),
  };
}

export class PowerOfAttorneyRegistry {
  constructor(private readonly db: SqlDatabase) {}

  /** Stores a checked МЧД and journals it; poa-exists when its number is registered already. */
  async register(
    poa: Omit<StoredPowerOfAttorney, 'revokedAt' | 'revokedBy' | 'revokeReason'>,
  ): Promise<StoredPowerOfAttorney> {
    return this.db.transaction(async (tx) => {
      await tx.lock(`powers-of-attorney:${poa.orgId}`);
      const existing = await tx.get<{ org_id: string }>('SELECT org_id FROM powers_of_attorney WHERE number = ?', [
        poa.number,
      ]);
      if (existing) {
        const whose = existing.org_id === poa.orgId ? 'for your organization' : 'for another principal';
        throw new PowerOfAttorneyError('poa-exists', `The МЧД ${poa.number} is registered already ${whose}`);
      }
      await tx.run(
        `INSERT INTO powers_of_attorney (number, org_id, principal_inn, file_name, xml, signature, representative, powers,
           powers_text, issued_on, valid_until, signed_by, registered_at, registered_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          poa.number,
          poa.orgId,
          poa.principalInn,
          poa.fileName,
          poa.xml,
          poa.signature,
          JSON.stringify(poa.representative),
          JSON.stringify(poa.powers),
          poa.powersText ?? null,
          poa.issuedOn,
          poa.validUntil,
          poa.signedBy,
          poa.registeredAt,
          poa.registeredBy,
        ],
      );
      await this.journal(tx, poa.orgId, {
        at: poa.registeredAt,
        actor: poa.registeredBy,
        action: 'register',
        number: poa.number,
      });
      return poa;
    });
  }

  async list(orgId: string): Promise<StoredPowerOfAttorney[]> {
    return (
      await this.db.all<Row>('SELECT * FROM powers_of_attorney WHERE org_id = ? ORDER BY registered_at, number', [
        orgId,
      ])
    ).map(fromRow);
  }

  /** An МЧД of this organization; another organization's does not exist for it. */
  async get(orgId: string, number: string): Promise<StoredPowerOfAttorney | undefined> {
    const row = await this.db.get<Row>('SELECT * FROM powers_of_attorney WHERE org_id = ? AND number = ?', [
      orgId,
      number.toLowerCase(),
    ]);
    return row && fromRow(row);
  }

  /** The МЧД a signature names: by its number and its principal's INN (Diadoc's FullId). */
  async find(principalInn: string, number: string): Promise<StoredPowerOfAttorney | undefined> {
    const row = await this.db.get<Row>('SELECT * FROM powers_of_attorney WHERE principal_inn = ? AND number = ?', [
      principalInn,
      number.toLowerCase(),
    ]);
    return row && fromRow(row);
  }

  /** Ends an МЧД early, journaled in the same transaction; conflict when it was revoked already. */
  async revoke(
    orgId: string,
    number: string,
    by: { actor: string; reason: string; at: string },
  ): Promise<StoredPowerOfAttorney> {
    return this.db.transaction(async (tx) => {
      await tx.lock(`powers-of-attorney:${orgId}`);
      const row = await tx.get<Row>('SELECT * FROM powers_of_attorney WHERE org_id = ? AND number = ?', [
        orgId,
        number.toLowerCase(),
      ]);
      if (!row) throw new PowerOfAttorneyError('not-found', `Your organization has no МЧД ${number}`);
      if (row.revoked_at !== null)
        throw new PowerOfAttorneyError('conflict', `The МЧД ${number} was revoked on ${row.revoked_at} already`);
      await tx.run('UPDATE powers_of_attorney SET revoked_at = ?, revoked_by = ?, revoke_reason = ? WHERE number = ?', [
        by.at,
        by.actor,
        by.reason,
        row.number,
      ]);
      await this.journal(tx, orgId, {
        at: by.at,
        actor: by.actor,
        action: 'revoke',
        number: row.number,
        reason: by.reason,
      });
      return fromRow({ ...row, revoked_at: by.at, revoked_by: by.actor, revoke_reason: by.reason });
    });
  }

  async journalOf(orgId: string): Promise<PoaJournalEntry[]> {
    const rows = await this.db.all<PoaJournalEntry & { reason: string | null }>(
      'SELECT seq, at, actor, action, number, reason FROM poa_journal WHERE org_id = ? ORDER BY seq',
      [orgId],
    );
    return rows.map(({ reason, ...r }) => ({ ...r, seq: Number(r.seq), ...(reason !== null ? { reason } : {}) }));
  }

  private async journal(tx: SqlTransaction, orgId: string, e: Omit<PoaJournalEntry, 'seq'>): Promise<void> {
    const seq =
      ((await tx.get<{ seq: number | null }>('SELECT MAX(seq) AS seq FROM poa_journal WHERE org_id = ?', [orgId]))
        ?.seq ?? 0) + 1;
    await tx.run(
      'INSERT INTO poa_journal (org_id, seq, at, actor, action, number, reason) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [orgId, Number(seq), e.at, e.actor, e.action, e.number, e.reason ?? null],
    );
  }
}
