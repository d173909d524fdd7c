/**
 * The one place the command line hides secrets. Every URL it prints and every
 * error text from a client library (which may echo the URL it was given) goes
 * through `redact()` before it reaches stdout or stderr.
 */

/** What a hidden secret is shown as. */
export const mask = '***';

// Query parameters whose values are credentials (case-insensitive), as drivers spell them.
const secretParameters =
  'password|passwd|pass|pwd|token|access_token|auth_token|secret|client_secret|api[_-]?key|apikey|sig|signature|' +
  'x-amz-signature|x-amz-credential|x-amz-security-token|sslpassword|sslkey';
const parameterPattern = new RegExp(`([?&;](?:${secretParameters})=)([^&;#\\s'"]*)`, 'gi');

// `scheme://userinfo@`: greedy up to the last `@` before any whitespace or quote, so a
// password holding an unencoded `@` or `/` (a URL that does not parse) is hidden whole.
const userinfoPattern = /([a-z][a-z0-9+.-]*:\/\/)([^\s'"<>]*)@/gi;

// Schemes whose user part alone is a credential: `nats://<token>@host`.
const tokenSchemes = /^nats(?:s)?:\/\/$|^tls:\/\/$/i;

// Secrets seen in URLs this process parsed, hidden wherever they show up again
// (amqplib, pg and ioredis may quote them decoded, outside any URL).
const known = new Set<string>();

/**
 * Remembers the credentials of a URL (its password, or a NATS token, raw and
 * percent-decoded) so `redact()` hides them in any text, even where they no
 * longer look like part of a URL. Call it with every URL the user gave, parsed or not.
 */
export function rememberSecrets(text: string): void {
  for (const match of text.matchAll(userinfoPattern)) {
    const scheme = match[1] as string;
    const userinfo = match[2] as string;
    const colon = userinfo.indexOf(':');
    if (colon >= 0) remember(userinfo.slice(colon + 1));
    else if (tokenSchemes.test(scheme)) remember(userinfo);
  }
  for (const match of text.matchAll(parameterPattern)) remember(match[2] as string);
}

function remember(secret: string): void {
  // One or two characters would mask ordinary text everywhere; such a password is hidden in URLs only.
  if (secret.length < 3) return;
  known.add(secret);
  try {
    const decoded = decodeURIComponent(secret);
    if (decoded.length >= 3) known.add(decoded);
    known.add(encodeURIComponent(decoded));
  } catch {
    // Not valid percent-encoding: the raw form is enough.
  }
}

/**
 * `text` with every credential hidden: the password of each `scheme://user:pass@`
 * (the user name stays: `redis://alice:***@host`), a NATS token
 * (`nats://***@host`), credential query parameters (`?password=***`), and any
 * secret `rememberSecrets()` saw. Works on URLs that do not parse and on free text.
 */
export function redact(text: string): string {
  // URLs' credentials first, set aside, so the pass over remembered secrets below
  // never rewrites a user name that happens to equal a password (`guest:guest`).
  const masked: string[] = [];
  const setAside = (value: string): string => `\u0000${masked.push(value) - 1}\u0001`;
  let result = text.replace(userinfoPattern, (_match, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    if (colon >= 0) return setAside(`${scheme}${userinfo.slice(0, colon)}:${mask}@`);
    return setAside(tokenSchemes.test(scheme) ? `${scheme}${mask}@` : `${scheme}${hideKnown(userinfo)}@`);
  });
  result = hideKnown(result.replace(parameterPattern, (_match, name: string) => `${name}${mask}`));
  return result.replace(/\u0000(\d+)\u0001/g, (_match, index: string) => masked[Number(index)] ?? '');
}

/** `text` with every remembered secret masked, the longest first (a secret containing another is hidden whole). */
function hideKnown(text: string): string {
  let result = text;
  for (const secret of [...known].sort((a, b) => b.length - a.length)) result = result.split(secret).join(mask);
  return result;
}
