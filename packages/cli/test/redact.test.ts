import { describe, expect, it } from 'vitest';
import { redact, rememberSecrets } from '../src/redact.js';

describe('redact(): the one place secrets are hidden', () => {
  it('hides the password of URLs that parse and of URLs that do not', () => {
    expect(redact('redis://alice:S3cretPW@127.0.0.1:6379/jobs')).toBe('redis://alice:***@127.0.0.1:6379/jobs');
    expect(redact('redis://alice:S3cretPW@127.0.0.1:99999/jobs')).toBe('redis://alice:***@127.0.0.1:99999/jobs');
    expect(redact('redis://:S3cretPW@host/jobs')).toBe('redis://:***@host/jobs');
    expect(redact('file://user:pw1@host/q')).toBe('file://user:***@host/q');
    // Unencoded @ and / in a password: hidden whole, up to the last @.
    expect(redact('amqp://guest:pa@ss/w0rd@127.0.0.1:5672/%2F')).toBe('amqp://guest:***@127.0.0.1:5672/%2F');
    expect(redact('Cannot connect to "postgres://app:hunter22@db:5432/x"; retrying')).toBe(
      'Cannot connect to "postgres://app:***@db:5432/x"; retrying',
    );
  });

  it('hides NATS tokens, credential query parameters, and keeps plain user names', () => {
    expect(redact('nats://t0ken123@127.0.0.1:4222/orders')).toBe('nats://***@127.0.0.1:4222/orders');
    expect(redact('postgres://app@db/x')).toBe('postgres://app@db/x');
    expect(redact('postgres://db/x?sslmode=require&password=hunter22&table=jobs')).toBe(
      'postgres://db/x?sslmode=require&password=***&table=jobs',
    );
    expect(redact('sqs://h/q?token=abc123&region=eu-west-1')).toBe('sqs://h/q?token=***&region=eu-west-1');
  });

  it('hides a remembered secret wherever it shows up again, raw or percent-decoded', () => {
    rememberSecrets('amqp://guest:p%40ss%2Fw0rd@127.0.0.1:1/%2F?queue=q');
    expect(redact('ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN (password p@ss/w0rd)')).toBe(
      'ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN (password ***)',
    );
    expect(redact('url amqp://guest:p%40ss%2Fw0rd@x')).not.toContain('p%40ss');
    // Too short to hunt for in free text (it would mask ordinary words); still hidden in URLs.
    rememberSecrets('redis://:ab@host/k');
    expect(redact('about abc')).toBe('about abc');
  });
});
