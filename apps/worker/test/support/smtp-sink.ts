import { SMTPServer, type SMTPServerSession } from 'smtp-server';

export interface ReceivedEmail {
  to: string[];
  subject: string;
  messageId: string;
  raw: string;
  acceptedAt: number;
}

export interface SmtpSinkBehaviour {
  /** Called once the whole message has arrived, BEFORE the server answers 250. Delay here = slow SMTP. */
  beforeAccept?: (email: ReceivedEmail) => Promise<void> | void;
  /** Called on RCPT TO; throw an Error with responseCode to reject (e.g. 451 temporary). */
  onRecipient?: (address: string, session: SMTPServerSession) => Promise<void> | void;
}

/**
 * A real SMTP server in the test process (the `smtp-server` package): the worker delivers to
 * it over TCP exactly as it would to Mailpit or a relay. Messages count as delivered only when
 * the server has answered 250 to DATA.
 */
export class SmtpSink {
  readonly received: ReceivedEmail[] = [];
  behaviour: SmtpSinkBehaviour = {};
  private readonly server: SMTPServer;
  port = 0;

  constructor() {
    this.server = new SMTPServer({
      authOptional: true,
      disableReverseLookup: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      size: 1024 * 1024,
      onRcptTo: (address, session, callback) => {
        Promise.resolve(this.behaviour.onRecipient?.(address.address, session)).then(
          () => callback(),
          (error: Error) => callback(error),
        );
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const header = (name: string) => raw.match(new RegExp(`^${name}:\\s*(.*)$`, 'mi'))?.[1]?.trim() ?? '';
          const email: ReceivedEmail = {
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: header('Subject'),
            messageId: header('Message-ID'),
            raw,
            acceptedAt: 0,
          };
          Promise.resolve(this.behaviour.beforeAccept?.(email)).then(
            () => {
              email.acceptedAt = Date.now();
              this.received.push(email);
              callback();
            },
            (error: Error) => callback(error),
          );
        });
      },
    });
    this.server.on('error', () => {});
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.server.address() as { port: number }).port;
  }

  to(address: string): ReceivedEmail[] {
    return this.received.filter((m) => m.to.includes(address));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** An SMTP error the worker sees as a failed send (e.g. 451 = try again later). */
export function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}
