// The tables of the organization settings, beside the exchange's tables in the hub's database,
// migrated by server/storage's runner. SQLite's first version is idempotent (IF NOT EXISTS):
// files from before the runner had these tables already.
import { both, type SchemaComponent } from '../storage/sql';

const sqlite = `
CREATE TABLE IF NOT EXISTS org_settings (
  org_id TEXT PRIMARY KEY,
  plan TEXT NOT NULL,
  operating_mode TEXT NOT NULL,
  archiving_enabled INTEGER NOT NULL,
  notify_email TEXT,
  updated_at TEXT
);
CREATE TABLE IF NOT EXISTS org_archiving_users (
  org_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  PRIMARY KEY (org_id, user_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS org_access (
  org_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  -- JSON array of permissions, sorted
  permissions TEXT NOT NULL,
  PRIMARY KEY (org_id, user_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS org_information_systems (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  name TEXT NOT NULL,
  certificate BLOB NOT NULL,
  fingerprint TEXT NOT NULL UNIQUE,
  origin TEXT NOT NULL,
  added_at TEXT NOT NULL,
  added_by TEXT NOT NULL,
  revoked_at TEXT,
  revoked_by TEXT
);
CREATE INDEX IF NOT EXISTS org_information_systems_by_org ON org_information_systems (org_id, added_at);
CREATE TABLE IF NOT EXISTS org_webhooks (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  url TEXT NOT NULL,
  secret TEXT NOT NULL,
  created_at TEXT NOT NULL,
  UNIQUE (org_id, url)
);
CREATE TABLE IF NOT EXISTS org_journal (
  org_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT,
  old_value TEXT,
  new_value TEXT,
  outcome TEXT NOT NULL,
  reason TEXT,
  PRIMARY KEY (org_id, seq)
) WITHOUT ROWID;
-- The journal is evidence: it only grows.
CREATE TRIGGER IF NOT EXISTS org_journal_no_update BEFORE UPDATE ON org_journal
BEGIN SELECT RAISE(ABORT, 'org_journal is append-only: the settings journal is never changed'); END;
CREATE TRIGGER IF NOT EXISTS org_journal_no_delete BEFORE DELETE ON org_journal
BEGIN SELECT RAISE(ABORT, 'org_journal is append-only: the settings journal is never deleted'); END;
`;

const postgres = `
CREATE TABLE org_settings (
  org_id TEXT PRIMARY KEY,
  plan TEXT NOT NULL,
  operating_mode TEXT NOT NULL,
  archiving_enabled INTEGER NOT NULL,
  notify_email TEXT,
  updated_at TEXT
);
CREATE TABLE org_archiving_users (org_id TEXT NOT NULL, user_id TEXT NOT NULL, enabled INTEGER NOT NULL, PRIMARY KEY (org_id, user_id));
CREATE TABLE org_access (org_id TEXT NOT NULL, user_id TEXT NOT NULL, permissions TEXT NOT NULL, PRIMARY KEY (org_id, user_id));
CREATE TABLE org_information_systems (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  name TEXT NOT NULL,
  certificate BYTEA NOT NULL,
  fingerprint TEXT NOT NULL UNIQUE,
  origin TEXT NOT NULL,
  added_at TEXT NOT NULL,
  added_by TEXT NOT NULL,
  revoked_at TEXT,
  revoked_by TEXT
);
CREATE INDEX org_information_systems_by_org ON org_information_systems (org_id, added_at);
CREATE TABLE org_webhooks (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  url TEXT NOT NULL,
  secret TEXT NOT NULL,
  created_at TEXT NOT NULL,
  UNIQUE (org_id, url)
);
CREATE TABLE org_journal (
  org_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT,
  old_value TEXT,
  new_value TEXT,
  outcome TEXT NOT NULL,
  reason TEXT,
  PRIMARY KEY (org_id, seq)
);
-- The journal is evidence: it only grows.
CREATE FUNCTION org_journal_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'org_journal is append-only: the settings journal is never changed'; END $$;
CREATE TRIGGER org_journal_append_only BEFORE UPDATE OR DELETE ON org_journal FOR EACH ROW EXECUTE FUNCTION org_journal_append_only();
`;

// JSON of the required powers of an МЧД per signing action; NULL: the protocol's defaults.
const requiredPowers = both('ALTER TABLE org_settings ADD COLUMN required_powers TEXT;');

export const organizationSchema: SchemaComponent = {
  name: 'organization',
  migrations: [{ sqlite, postgres }, requiredPowers],
};
