import type { Options } from 'amqplib';

/** Where a connection goes, with what may be printed of it. */
export interface BrokerAddress {
  /** As amqplib's `connect()` takes it. */
  readonly url: string | Options.Connect;
  /** `amqp://user:***@host:port/vhost`: safe for logs and errors. */
  readonly display: string;
  /** The password, scrubbed from every error message. */
  readonly secret: string | undefined;
  /** The vhost, for messages. */
  readonly vhost: string;
}

/** Reads an `amqp://` URL or amqplib connect options; never keeps the password in anything printable. */
export function brokerAddress(url: string | Options.Connect): BrokerAddress {
  if (typeof url === 'string') {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return { url, display: 'an unparsable AMQP URL', secret: undefined, vhost: '/' };
    }
    const secret = parsed.password === '' ? undefined : decodeURIComponent(parsed.password);
    if (parsed.password !== '') parsed.password = '***';
    const path = parsed.pathname.slice(1);
    return { url, display: parsed.href, secret, vhost: path === '' ? '/' : decodeURIComponent(path) };
  }
  const protocol = url.protocol ?? 'amqp';
  const user = url.username ?? 'guest';
  const host = url.hostname ?? 'localhost';
  const port = url.port ?? (protocol === 'amqps' ? 5671 : 5672);
  const vhost = url.vhost ?? '/';
  return {
    url,
    display: `${protocol}://${encodeURIComponent(user)}:***@${host}:${port}/${encodeURIComponent(vhost)}`,
    secret: url.password,
    vhost,
  };
}
