// Archive notifications: e-mail to the address the organization set (archiving switched on or
// off, 80% and 100% of the quota) and webhooks (every event, signed with the organization's
// secret, retried with exponential backoff, each attempt in a delivery log).
import { createHmac, randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { SchemaComponent, SqlDatabase } from '../storage/sql';
import type { ArchiveEvent } from './events';

// ---- e-mail -------------------------------------------------------------------------------

export interface SmtpSettings {
  host: string;
  port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  secure?: boolean;
  /** The sender, e.g. `"EDO hub" <archive@operator.example>`. */
  from: string;
  auth?: { user: string; pass: string };
}

export interface MailMessage {
  subject: string;
  text: string;
}

/** The letter for an event, or undefined for events that go only to webhooks. */
export function archiveMail(event: ArchiveEvent, orgName: string): MailMessage | undefined {
  switch (event.type) {
    case 'archive.switched': {
      const who =
        event.scope === 'organization'
          ? `the employees of ${orgName}`
          : `user ${event.userId ?? '(unknown)'} of ${orgName}`;
      return event.on
        ? {
            subject: `Signed-data archive switched on: ${orgName}`,
            text: `Archiving was switched on by ${event.by}. From now on every document signed by ${who} is archived with all its signatures and kept unchanged.\n`,
          }
        : {
            subject: `Signed-data archive switched off: ${orgName}`,
            text: `Archiving was switched off by ${event.by}: documents signed by ${who} from now on are not archived. Documents archived before stay in the archive, unchanged.\n`,
          };
    }
    case 'archive.quota-threshold':
      return event.percent === 100
        ? {
            subject: `Signed-data archive full: ${orgName}`,
            text: `The archive of ${orgName} has ${event.usage}: the quota is used up. Newly signed documents are not archived (the document exchange goes on) and are listed as entries that did not fit. Raise the quota in the organization settings to archive them.\n`,
          }
        : {
            subject: `Signed-data archive at 80%: ${orgName}`,
            text: `The archive of ${orgName} has ${event.usage}, 80% of its quota. When it is full, newly signed documents will not be archived. Raise the quota in the organization settings in time.\n`,
          };
    default:
      return undefined;
  }
}

export class ArchiveMailer {
  private readonly transport;

  constructor(private readonly settings: SmtpSettings) {
    this.transport = nodemailer.createTransport({
      host: settings.host,
      port: settings.port,
      secure: settings.secure ?? false,
      ...(settings.auth ? { auth: settings.auth } : {}),
    });
  }

  async send(to: string, message: MailMessage): Promise<{ messageId: string }> {
    try {
      const info = await this.transport.sendMail({
        from: this.settings.from,
        to,
        subject: message.subject,
        text: message.text,
      });
      return { messageId: info.messageId };
    } catch (e) {
      throw new Error(
        `archive notice "${message.subject}" to ${to} was not sent through ${this.settings.host}:${this.settings.port}: ${(e as Error).message}`,
        {
          cause: e,
        },
      );
    }
  }

  close(): void {
    this.transport.close();
  }
}

// ---- webhooks -----------------------------------------------------------------------------

export interface WebhookEndpoint {
  url: string;
  /** The organization's webhook secret: the HMAC key of X-EDO-Signature. */
  secret: string;
}

/** Where an organization's webhooks are registered (the organization settings). */
export interface WebhookRegistry {
  endpoints(orgId: string): WebhookEndpoint[] | Promise<WebhookEndpoint[]>;
}

/** The JSON every webhook receives. */
export interface WebhookEnvelope {
  id: string;
  type: string;
  orgId: string;
  occurredAt: string;
  data: unknown;
}

/** `sha256=<hex HMAC-SHA256 of the exact body bytes>` */
export function webhookSignature(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export interface DeliveryAttempt {
  id: number;
  eventId: string;
  eventType: string;
  orgId: string;
  url: string;
  attempt: number;
  /** The HTTP status, or null when no answer came. */
  status: number | null;
  error: string | null;
  at: string;
  delivered: boolean;
}

export interface DeliveryOutcome {
  url: string;
  delivered: boolean;
  attempts: number;
}

export interface WebhookDispatcherOptions {
  db: SqlDatabase;
  registry: WebhookRegistry;
  /** Waits before the 2nd, 3rd… attempt; the attempts are one more than its length. */
  retryDelaysMs?: readonly number[];
  sleep?: (ms: number) => Promise<void>;
  timeoutMs?: number;
  clock?: () => Date;
}

/** The webhook delivery log (on the hub's database, migrated with the other components). */
export const webhookSchema: SchemaComponent = {
  name: 'webhooks',
  migrations: [
    {
      sqlite: `
CREATE TABLE IF NOT EXISTS webhook_deliveries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  org_id TEXT NOT NULL,
  url TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  status INTEGER,
  error TEXT,
  at TEXT NOT NULL,
  delivered INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_by_org ON webhook_deliveries (org_id, id);
`,
      postgres: `
CREATE TABLE webhook_deliveries (
  id BIGSERIAL PRIMARY KEY,
  event_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  org_id TEXT NOT NULL,
  url TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  status INTEGER,
  error TEXT,
  at TEXT NOT NULL,
  delivered INTEGER NOT NULL
);
CREATE INDEX webhook_deliveries_by_org ON webhook_deliveries (org_id, id);
`,
    },
  ],
};

/** 1 s, 2 s, 4 s … 32 s: seven attempts over about a minute. */
export const DEFAULT_RETRY_DELAYS_MS = [1000, 2000, 4000, 8000, 16000, 32000];

/** A 5xx, 408 or 429 may pass; another 4xx says the request itself is wrong. */
const retryable = (status: number) => status >= 500 || status === 408 || status === 429;

export class WebhookDispatcher {
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly retryDelaysMs: readonly number[];
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly timeoutMs: number;
  private readonly clock: () => Date;

  constructor(private readonly options: WebhookDispatcherOptions) {
    this.retryDelaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.clock = options.clock ?? (() => new Date());
  }

  /** Sends the event to every endpoint of the organization; resolves when each has succeeded or given up. */
  dispatch(orgId: string, type: string, data: unknown): Promise<DeliveryOutcome[]> {
    const envelope: WebhookEnvelope = { id: randomUUID(), type, orgId, occurredAt: this.clock().toISOString(), data };
    const work = (async () => {
      const endpoints = await this.options.registry.endpoints(orgId);
      return Promise.all(endpoints.map((endpoint) => this.deliver(envelope, endpoint)));
    })();
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work)).catch(() => undefined);
    return work;
  }

  /** Resolves when no delivery is under way (shutdown, tests). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async deliver(envelope: WebhookEnvelope, endpoint: WebhookEndpoint): Promise<DeliveryOutcome> {
    const body = JSON.stringify(envelope);
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'edo-hub-webhooks/1',
      'x-edo-event': envelope.type,
      'x-edo-delivery': envelope.id,
      'x-edo-signature': webhookSignature(body, endpoint.secret),
    };
    const attempts = this.retryDelaysMs.length + 1;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      let status: number | null = null;
      let error: string | null = null;
      try {
        const response = await fetch(endpoint.url, {
          method: 'POST',
          headers,
          body,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        status = response.status;
        await response.body?.cancel();
        if (!response.ok) error = `HTTP ${status} ${response.statusText}`.trim();
      } catch (e) {
        const cause = (e as Error & { cause?: Error }).cause;
        error = cause ? `${(e as Error).message}: ${cause.message}` : (e as Error).message;
      }
      const delivered = error === null;
      await this.options.db.run(
        `INSERT INTO webhook_deliveries (event_id, event_type, org_id, url, attempt, status, error, at, delivered) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          envelope.id,
          envelope.type,
          envelope.orgId,
          endpoint.url,
          attempt,
          status,
          error,
          this.clock().toISOString(),
          delivered ? 1 : 0,
        ],
      );
      if (delivered) return { url: endpoint.url, delivered, attempts: attempt };
      if ((status !== null && !retryable(status)) || attempt === attempts)
        return { url: endpoint.url, delivered: false, attempts: attempt };
      await this.sleep(this.retryDelaysMs[attempt - 1]!);
    }
    throw new Error('unreachable: the attempt loop always returns');
  }

  /** The delivery log of an organization, oldest first, after an attempt id. */
  async deliveries(orgId: string, after = 0): Promise<DeliveryAttempt[]> {
    const rows = await this.options.db.all<Record<string, unknown>>(
      'SELECT * FROM webhook_deliveries WHERE org_id = ? AND id > ? ORDER BY id LIMIT 1000',
      [orgId, after],
    );
    return rows.map((r) => ({
      id: r.id as number,
      eventId: r.event_id as string,
      eventType: r.event_type as string,
      orgId: r.org_id as string,
      url: r.url as string,
      attempt: r.attempt as number,
      status: r.status as number | null,
      error: r.error as string | null,
      at: r.at as string,
      delivered: r.delivered === 1,
    }));
  }
}

// ---- the two together ---------------------------------------------------------------------

/** Who hears about an organization's archive: its notification e-mail address, if set. */
export interface ArchiveRecipients {
  recipient(
    orgId: string,
  ): { orgName: string; email?: string } | undefined | Promise<{ orgName: string; email?: string } | undefined>;
}

/**
 * Fans archive events out to e-mail and webhooks without holding up the caller (ArchiveLog
 * calls `notify` synchronously after its transaction); failures go to `onError`.
 */
export class ArchiveNotifier {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly parts: {
      mailer?: ArchiveMailer;
      webhooks?: WebhookDispatcher;
      recipients: ArchiveRecipients;
      onError: (error: Error, event: ArchiveEvent) => void;
    },
  ) {}

  notify(event: ArchiveEvent): void {
    const work = this.handle(event).catch((e: unknown) => this.parts.onError(e as Error, event));
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  private async handle(event: ArchiveEvent): Promise<void> {
    const tasks: Promise<unknown>[] = [];
    if (this.parts.webhooks) tasks.push(this.parts.webhooks.dispatch(event.orgId, event.type, event));
    const who = await this.parts.recipients.recipient(event.orgId);
    const message = who && archiveMail(event, who.orgName);
    if (this.parts.mailer && who?.email && message) tasks.push(this.parts.mailer.send(who.email, message));
    const failures = (await Promise.allSettled(tasks)).flatMap((r) =>
      r.status === 'rejected' ? [r.reason as Error] : [],
    );
    for (const failure of failures) this.parts.onError(failure, event);
  }

  /** Resolves when every notice under way has been sent or has failed. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    await this.parts.webhooks?.idle();
  }
}
