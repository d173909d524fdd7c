import { afterEach, describe, expect, it } from 'vitest';
import { fixture, jsonEvents, killLeftovers, startCli } from './helpers.js';

afterEach(killLeftovers);

/** The value of an unlabelled series in a Prometheus text exposition. */
function series(text: string, name: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  if (line === undefined) throw new Error(`no series ${name} in:\n${text}`);
  return Number(line.slice(name.length + 1));
}

describe('conveyor run --metrics-port', () => {
  it('listens on 127.0.0.1 by default and answers /healthz and /readyz from the running consumer', async () => {
    const running = startCli(['run', fixture('memory-consumer.js'), '--json', '--interval', '100', '--metrics-port', '0']);
    try {
      await running.waitForOutput(
        (stdout) => jsonEvents(stdout).some((event) => event.event === 'notice' && String(event.message).startsWith('metrics on')),
        'the metrics notice',
      );
      const notice = jsonEvents(running.stdout()).find(
        (event) => event.event === 'notice' && String(event.message).startsWith('metrics on'),
      );
      const url = /http:\/\/127\.0\.0\.1:\d+\/metrics/.exec(String(notice?.message))?.[0];
      expect(url, String(notice?.message)).toBeDefined();
      const base = (url as string).replace('/metrics', '');
      const alive = await fetch(`${base}/healthz`);
      expect(alive.status).toBe(200);
      expect(await alive.json()).toEqual({ status: 'alive' });
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ ready: true, reasons: [], state: 'running', pollers: { alive: 2, wanted: 2 } });
    } finally {
      running.child.kill('SIGINT');
    }
    expect((await running.done).code).toBe(0);
  });

  it('serves /metrics with exact counts from a real run', async () => {
    const running = startCli([
      'run',
      fixture('memory-consumer.js'),
      '--json',
      '--interval',
      '100',
      '--metrics-port',
      '0',
      '--metrics-host',
      '127.0.0.1',
      '--',
      '--count',
      '300',
      '--threads',
    ]);
    try {
      await running.waitForOutput(
        (stdout) => jsonEvents(stdout).some((event) => event.consumed === 300 && event.inFlight === 0),
        'all 300 consumed',
      );
      const notice = jsonEvents(running.stdout()).find(
        (event) => event.event === 'notice' && String(event.message).startsWith('metrics on'),
      );
      const url = /http:\/\/127\.0\.0\.1:\d+\/metrics/.exec(String(notice?.message))?.[0];
      expect(url).toBeDefined();

      const response = await fetch(url as string);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/plain');
      const text = await response.text();
      expect(series(text, 'conveyor_messages_received_total')).toBe(330);
      expect(series(text, 'conveyor_messages_consumed_total')).toBe(300);
      expect(series(text, 'conveyor_messages_failed_total')).toBe(30);
      expect(series(text, 'conveyor_parcel_messages_sum')).toBe(330);
      expect(series(text, 'conveyor_handler_duration_seconds_count')).toBe(series(text, 'conveyor_parcels_total'));
      expect(series(text, 'conveyor_bulks_total')).toBeGreaterThanOrEqual(Math.ceil(330 / 8));
      expect(series(text, 'conveyor_in_flight_messages')).toBe(0);
      expect(series(text, 'conveyor_pollers_alive')).toBe(2);
      expect(series(text, 'conveyor_pool_threads')).toBe(2);
      expect(text).toContain('conveyor_settle_errors_total{operation="cleanup"} 0');

      expect((await fetch(url!.replace('/metrics', '/other'))).status).toBe(404);
    } finally {
      running.child.kill('SIGINT');
    }
    expect((await running.done).code).toBe(0);
  });

  it('exit 4 when the metrics port is taken', async () => {
    const first = startCli(['run', fixture('memory-consumer.js'), '--json', '--metrics-port', '0', '--metrics-host', '127.0.0.1']);
    try {
      await first.waitForOutput((stdout) => stdout.includes('metrics on'), 'the metrics notice');
      const port = /127\.0\.0\.1:(\d+)/.exec(first.stdout())?.[1] as string;
      const second = startCli(['run', fixture('memory-consumer.js'), '--metrics-port', port, '--metrics-host', '127.0.0.1']);
      const result = await second.done;
      expect(result.code).toBe(4);
      expect(result.stderr).toBe(
        `conveyor: Cannot serve metrics on 127.0.0.1:${port}: the port is in use (choose another --metrics-port)\n`,
      );
    } finally {
      first.child.kill('SIGINT');
      await first.done;
    }
  });
});
