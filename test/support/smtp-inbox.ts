// A real SMTP server on loopback (smtp-server, no TLS, no AUTH) that keeps every letter it
// receives, for the tests of the hub's archive notices.
//
//   const smtp = await startSmtpInbox();      // smtp.port for the mailer or `--smtp-port`
//   smtp.letters                               // [{ from, to, raw }] in the order received
//   await smtp.close();
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { text } from 'node:stream/consumers';
import { SMTPServer } from 'smtp-server';

export interface Letter {
  /** The envelope sender ('' for a null sender). */
  from: string;
  /** The envelope recipients. */
  to: string[];
  /** The message as sent: headers, a blank line, the encoded body. */
  raw: string;
}

export interface SmtpInbox {
  port: number;
  letters: Letter[];
  close(): Promise<void>;
}

export async function startSmtpInbox(): Promise<SmtpInbox> {
  const letters: Letter[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      text(stream).then(
        (raw) => {
          letters.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw,
          });
          callback();
        },
        (e: Error) => callback(e),
      );
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  // smtp-server keeps its net.Server in an untyped property.
  const port = ((smtp as unknown as { server: Server }).server.address() as AddressInfo).port;
  return { port, letters, close: () => new Promise<void>((resolve) => smtp.close(() => resolve())) };
}
