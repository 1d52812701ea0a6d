// The local database's schema as a versioned list of migrations. PRAGMA user_version holds the
// number applied; each migration runs in its own transaction, so an interrupted upgrade
// leaves the previous version intact.
import type Database from 'better-sqlite3';

export const migrations: readonly string[] = [
  // 1: the first schema
  `
  CREATE TABLE subscribers (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    inn TEXT,
    kpp TEXT,
    operator TEXT,
    data TEXT NOT NULL DEFAULT '{}',
    updated_at TEXT NOT NULL
  );
  CREATE INDEX subscribers_inn ON subscribers(inn);
  CREATE INDEX subscribers_name ON subscribers(name COLLATE NOCASE);

  CREATE TABLE contacts (
    id TEXT PRIMARY KEY,
    counterparty_id TEXT NOT NULL,
    state TEXT NOT NULL,
    data TEXT NOT NULL DEFAULT '{}',
    updated_at TEXT NOT NULL
  );
  CREATE INDEX contacts_counterparty ON contacts(counterparty_id);

  CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    hub_id TEXT UNIQUE,
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    status TEXT NOT NULL,
    status_reason TEXT,
    counterparty_id TEXT NOT NULL,
    counterparty_name TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT '',
    file_name TEXT NOT NULL,
    blob_hash TEXT NOT NULL,
    size INTEGER NOT NULL,
    needs_receipt INTEGER NOT NULL DEFAULT 0,
    signature_state TEXT NOT NULL DEFAULT 'unverified' CHECK (signature_state IN ('unverified', 'valid', 'invalid')),
    signature_problem TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    received_at TEXT,
    updated_at TEXT NOT NULL,
    -- what Inbox and Outbox sort by: the send date once known, else the local creation
    sort_at TEXT NOT NULL
  );
  CREATE INDEX documents_list ON documents(direction, sort_at DESC, id DESC);
  CREATE INDEX documents_by_counterparty ON documents(direction, counterparty_id, sort_at DESC, id DESC);
  CREATE INDEX documents_by_status ON documents(direction, status, sort_at DESC, id DESC);

  -- Trigram search over title, file name and counterparty: LIKE '%x%' would scan 100,000 rows.
  CREATE VIRTUAL TABLE documents_search USING fts5(
    title, file_name, counterparty_name, content='documents', content_rowid='id', tokenize='trigram'
  );
  CREATE TRIGGER documents_search_insert AFTER INSERT ON documents BEGIN
    INSERT INTO documents_search(rowid, title, file_name, counterparty_name) VALUES (new.id, new.title, new.file_name, new.counterparty_name);
  END;
  CREATE TRIGGER documents_search_delete AFTER DELETE ON documents BEGIN
    INSERT INTO documents_search(documents_search, rowid, title, file_name, counterparty_name) VALUES ('delete', old.id, old.title, old.file_name, old.counterparty_name);
  END;
  CREATE TRIGGER documents_search_update AFTER UPDATE OF title, file_name, counterparty_name ON documents BEGIN
    INSERT INTO documents_search(documents_search, rowid, title, file_name, counterparty_name) VALUES ('delete', old.id, old.title, old.file_name, old.counterparty_name);
    INSERT INTO documents_search(rowid, title, file_name, counterparty_name) VALUES (new.id, new.title, new.file_name, new.counterparty_name);
  END;

  CREATE TABLE service_documents (
    id INTEGER PRIMARY KEY,
    hub_id TEXT UNIQUE,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    parent_id INTEGER REFERENCES service_documents(id),
    type TEXT NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    status TEXT NOT NULL CHECK (status IN ('pending', 'signed', 'sent', 'received')),
    pending_reason TEXT,
    text TEXT,
    file_name TEXT,
    xml_hash TEXT,
    signature BLOB,
    signature_state TEXT NOT NULL DEFAULT 'unverified' CHECK (signature_state IN ('unverified', 'valid', 'invalid')),
    signature_problem TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX service_documents_document ON service_documents(document_id);
  CREATE INDEX service_documents_status ON service_documents(status, direction);
  -- the flow requires one receipt notice from us per received document, never two
  CREATE UNIQUE INDEX service_documents_one_receipt ON service_documents(document_id) WHERE direction = 'out' AND type = 'receipt';

  CREATE TABLE signatures (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    cms BLOB NOT NULL,
    signer TEXT,
    signing_time TEXT,
    valid INTEGER,
    problems TEXT NOT NULL DEFAULT '[]',
    verified_at TEXT
  );
  CREATE INDEX signatures_document ON signatures(document_id);

  CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    item_type TEXT NOT NULL CHECK (item_type IN ('document', 'service-document')),
    item_id INTEGER NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'done', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TEXT NOT NULL,
    done_at TEXT,
    UNIQUE (item_type, item_id)
  );
  CREATE INDEX outbox_waiting ON outbox(state, id);

  CREATE TABLE cursors (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );

  CREATE TABLE session_runs (
    id INTEGER PRIMARY KEY,
    trigger TEXT NOT NULL,
    mode TEXT NOT NULL,
    pid INTEGER NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    outcome TEXT NOT NULL DEFAULT 'running',
    summary TEXT NOT NULL DEFAULT '{}'
  );

  CREATE TABLE session_log (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES session_runs(id),
    at TEXT NOT NULL,
    level TEXT NOT NULL,
    step TEXT NOT NULL,
    message TEXT NOT NULL
  );
  CREATE INDEX session_log_run ON session_log(run_id, id);
  `,
  // 2: one vocabulary (src/vocabulary): an outgoing document's receipt is the hub's
  // "receipt-confirmed".
  // Reasons the UI acts on become codes beside their words: why a service document waits
  // (PendingReason), why an outbox item stopped (the hub's error code, or "unsendable"). Rows
  // from before keep their words; a refused one is taken as refused by the hub.
  `
  UPDATE documents SET status = 'receipt-confirmed' WHERE status = 'receipt-received';
  ALTER TABLE outbox ADD COLUMN refusal TEXT;
  UPDATE outbox SET refusal = 'refused' WHERE state = 'failed';
  ALTER TABLE service_documents ADD COLUMN pending_code TEXT;
  UPDATE service_documents SET pending_code = CASE
    WHEN id IN (SELECT item_id FROM outbox WHERE item_type = 'service-document' AND state = 'failed') THEN 'refused-by-hub'
    ELSE 'awaiting-signature' END
  WHERE status = 'pending';
  `,
  // 3: the document's own workflow (docs/architecture.md §5a): the recipient's signature and the
  // annulment as the hub last said, and the clerk's signed steps waiting to be posted (each with
  // its idempotency key and body stored before the first attempt, like the outbox's items).
  `
  ALTER TABLE documents ADD COLUMN signature_requested INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE documents ADD COLUMN recipient_signature_state TEXT;
  ALTER TABLE documents ADD COLUMN recipient_signature BLOB;
  ALTER TABLE documents ADD COLUMN annulment_state TEXT;
  ALTER TABLE documents ADD COLUMN annulment_proposal_hub_id TEXT;
  ALTER TABLE documents ADD COLUMN annulment_proposed_by_us INTEGER;
  CREATE TABLE workflow_steps (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    step TEXT NOT NULL,
    proposal_hub_id TEXT,
    body TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'done', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    refusal TEXT,
    created_at TEXT NOT NULL,
    done_at TEXT
  );
  CREATE INDEX workflow_steps_waiting ON workflow_steps(state, document_id);
  `,
  // 4: each received signature's long-term verdict (docs/architecture.md §7): valid, invalid or
  // undetermined (never "valid"; the session's recheck step asks again until it is determined),
  // and its status line (SignatureStatusLine as JSON: the certificate status, the time it holds
  // for, the evidence that says so, by whom and from where, the time-stamp's TSA). verified_at
  // is when it was last checked. Rows from before keep NULL: judged without certificate status.
  `
  ALTER TABLE signatures ADD COLUMN verdict TEXT CHECK (verdict IN ('valid', 'invalid', 'undetermined'));
  ALTER TABLE signatures ADD COLUMN status_line TEXT;
  CREATE INDEX signatures_undetermined ON signatures(document_id) WHERE verdict = 'undetermined';
  `,
  // 5: signatures made under a machine-readable power of attorney (docs/architecture.md §7): the
  // МЧД a document's or service document's signer signed under (JSON: the hub's account at the
  // signing time, or the pre-check's for ours), and each МЧД's files as registered at the hub
  // (the XML and the principal's signature, in the blob store), kept as long as the documents.
  `
  ALTER TABLE documents ADD COLUMN signer_power_of_attorney TEXT;
  ALTER TABLE service_documents ADD COLUMN signer_power_of_attorney TEXT;
  CREATE TABLE powers_of_attorney (
    principal_inn TEXT NOT NULL,
    number TEXT NOT NULL,
    file_name TEXT NOT NULL,
    xml_hash TEXT NOT NULL,
    signature_hash TEXT NOT NULL,
    record TEXT NOT NULL,
    stored_at TEXT NOT NULL,
    PRIMARY KEY (principal_inn, number)
  );
  `,
  // 6: a received service document's signature judged the long-term way, as a document's is
  // (docs/architecture.md §5): its problems as codes beside the words (JSON, as
  // signatures.problems), its status line, when it was last checked, and the hub's time of its
  // posting (the time that counts when it carries no time-stamp). signature_state 'unverified'
  // with a status line: undetermined, checked again by the session's recheck step. Rows from
  // before keep NULL: judged without certificate status.
  `
  ALTER TABLE service_documents ADD COLUMN signature_problems TEXT;
  ALTER TABLE service_documents ADD COLUMN status_line TEXT;
  ALTER TABLE service_documents ADD COLUMN verified_at TEXT;
  ALTER TABLE service_documents ADD COLUMN posted_at TEXT;
  CREATE INDEX service_documents_undetermined ON service_documents(id) WHERE signature_state = 'unverified' AND status_line IS NOT NULL;
  `,
  // 7: the lists' status filters counted from an index alone (ClerkStore.listDocuments): a
  // stored status with the signature state beside it, and the signature state on its own for
  // "signature invalid" and "signature unchecked", so 100,000 rows are not each read to count.
  `
  CREATE INDEX documents_by_status_signature ON documents(direction, status, signature_state);
  CREATE INDEX documents_by_signature ON documents(direction, signature_state, sort_at DESC, id DESC);
  `,
  // 8: the МЧД the recipient's signature over a document was made under (JSON: the hub's account
  // at the signing time), as signer_power_of_attorney is the sender's: both sides' lists show it.
  `
  ALTER TABLE documents ADD COLUMN recipient_signer_power_of_attorney TEXT;
  `,
  // 9: what waits for the clerk's own answer (ClerkStore.awaitingOurAnswer), read with each view
  // of the app, found by index instead of a scan of every document: the session host answers one
  // request at a time, so a slow read here delays the Inbox's own list (bench/ui).
  `
  CREATE INDEX documents_by_recipient_signature ON documents(direction, recipient_signature_state);
  CREATE INDEX documents_by_annulment ON documents(annulment_state, annulment_proposed_by_us);
  `,
];

export function migrate(db: Database.Database): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    throw new Error(
      `The profile database has schema version ${current}, newer than this program knows (${migrations.length}). Update EDO Clerk.`,
    );
  }
  for (let version = current; version < migrations.length; version++) {
    db.transaction(() => {
      db.exec(migrations[version]!);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
  return migrations.length;
}
