import { CliError } from './cli-error.js';
import { redact } from './redact.js';

/**
 * A JetStream stream, and optionally its durable consumer:
 * `nats://[user:pass@]host[:port]/<stream>[/<consumer>][?subject=<subject>&dlq=<subject>]`.
 * A token goes in the user part alone (`nats://<token>@host`).
 */
export interface NatsLocation {
  readonly kind: 'nats';
  /** The URL as given, password (or token) hidden: safe to print. */
  readonly display: string;
  /** `nats://host:port`, without credentials. */
  readonly server: string;
  readonly user: string | undefined;
  readonly pass: string | undefined;
  readonly token: string | undefined;
  readonly stream: string;
  /** The durable consumer whose pending and unacknowledged counts `stats` shows. */
  readonly consumer: string | undefined;
  /** `?subject=`: where `send` publishes. @default `<stream>.messages` */
  readonly subject: string;
  /** `?dlq=`: the dead-letter subject `stats` counts. @default `dead-letters.<stream>.<consumer>` (the NatsSource default) */
  readonly deadLetterSubject: string | undefined;
}

const form = 'nats://[user:pass@]host[:port]/<stream>[/<consumer>]';

/** Parses a `nats://` URL (already parsed as a URL); throws a `CliError` (exit code 2) naming what is wrong. */
export function parseNatsUrl(url: URL): NatsLocation {
  const display = redact(url.href);
  const segments = url.pathname
    .split('/')
    .filter((segment) => segment !== '')
    .map(decodeURIComponent);
  if (segments.length < 1 || segments.length > 2) throw new CliError('CLI_BAD_URL', `${display} must name a stream: ${form}`);
  const [stream, consumer] = segments as [string, string | undefined];
  const badName = /[\s.*>]/;
  if (badName.test(stream) || (consumer !== undefined && badName.test(consumer))) {
    throw new CliError('CLI_BAD_URL', `${display}: stream and consumer names have no dots, spaces, * or >`);
  }
  const user = url.username === '' ? undefined : decodeURIComponent(url.username);
  const pass = url.password === '' ? undefined : decodeURIComponent(url.password);
  return {
    kind: 'nats',
    display,
    server: `nats://${url.hostname === '' ? '127.0.0.1' : url.hostname}:${url.port === '' ? 4222 : url.port}`,
    user: pass === undefined ? undefined : user,
    pass,
    token: pass === undefined ? user : undefined,
    stream,
    consumer,
    subject: url.searchParams.get('subject') ?? `${stream}.messages`,
    deadLetterSubject: url.searchParams.get('dlq') ?? (consumer === undefined ? undefined : `dead-letters.${stream}.${consumer}`),
  };
}
