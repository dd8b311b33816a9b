// getUpdates refused again and again (revoked token, another poller): one warning past the threshold, one when it works
// again; the threshold is a duration, which a step of the wall clock neither ends nor stretches.
import { afterEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from '../helpers/processes.js';
import { TelegramCommands } from '../../src/notify/telegram-commands.js';
import { systemClock, type Clock } from '../../src/platform/clock.js';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { HOUR } from '../helpers/clock.js';

/**
 * The system clock whose waits take 5 ms of real time but move both readings by what was asked; step(ms) moves the
 * wall reading alone, as NTP or `date -s` does.
 */
function fastClock(): Clock & { step(ms: number): void } {
  const base = systemClock();
  let offset = 0;
  let wallStep = 0;
  return {
    ...base,
    now: () => base.now() + offset + wallStep,
    monotonic: () => base.monotonic() + offset,
    sleep: (ms, signal) => {
      offset += ms;
      return base.sleep(5, signal);
    },
    step: (ms) => void (wallStep += ms),
  };
}

/** A stand-in Bot API: getUpdates refused (401) while refuse(n) says so for the n-th poll (1-based). */
async function botApi(refuse: (poll: number) => boolean): Promise<{ base: string; polls(): number; close(): Promise<void> }> {
  let polls = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      polls++;
      if (refuse(polls)) return void res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error_code: 401, description: 'Unauthorized' }));
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, result: [] })), 20);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    polls: () => polls,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function commands(apiBase: string, clock: Clock, emitted: ClawbackEvent[], onEmit: () => void = () => undefined): TelegramCommands {
  return new TelegramCommands({
    apiBase,
    botToken: '123456:TEST-token-secret',
    chatId: '100',
    allow: [42],
    pollTimeoutMs: 1000,
    clock,
    actions: { incidentOf: () => null, act: async () => ({ ok: true, message: '' }), statusLine: () => '' },
    emit: (e) => void (emitted.push(e), onEmit()),
    redact: (t) => t.replaceAll('TEST-token-secret', '[REDACTED]'),
    channelName: 'phone',
  });
}

describe('chat commands that stop working are announced', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it('a revoked token (401 on every getUpdates): one commands-failing warning after 2 min, one commands-recovered when it answers again', async () => {
    let refuse = true;
    let polls = 0;
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        polls++;
        if (refuse) return void res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error_code: 401, description: 'Unauthorized' }));
        setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, result: [] })), 20);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const emitted: ClawbackEvent[] = [];
    const pollsAtEmit: number[] = [];
    const b = new TelegramCommands({
      apiBase: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      botToken: '123456:TEST-token-secret',
      chatId: '100',
      allow: [42],
      pollTimeoutMs: 1000,
      clock: fastClock(),
      actions: { incidentOf: () => null, act: async () => ({ ok: true, message: '' }), statusLine: () => '' },
      emit: (e) => void (emitted.push(e), pollsAtEmit.push(polls)),
      redact: (t) => t.replaceAll('TEST-token-secret', '[REDACTED]'),
      channelName: 'phone',
    });
    close = async () => {
      await b.stop();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    };
    b.start();
    const failing = await waitFor(() => emitted.find((e) => e.type === 'notify.commands-failing'), { timeoutMs: 20_000 });
    // Backoff 1, 2, 4, 8, 16, 30, 30... s: a short outage (the first 5 tries, 31 s) said nothing (counted when it was
    // said, not read afterwards: the 5 ms waits run many polls between two looks on a loaded machine).
    expect(pollsAtEmit[0]).toBeGreaterThan(5);
    expect(failing.severity).toBe('warning');
    expect(failing.message).toContain('HTTP 401: Unauthorized');
    expect(failing.details).toMatchObject({ channel: 'phone' });
    expect((failing.details as { failingForMs: number }).failingForMs).toBeGreaterThanOrEqual(120_000);
    // Still refused: no second warning.
    const after = polls;
    await waitFor(() => polls >= after + 5 || undefined, { timeoutMs: 10_000 });
    expect(emitted.filter((e) => e.type === 'notify.commands-failing')).toHaveLength(1);
    refuse = false;
    const recovered = await waitFor(() => emitted.find((e) => e.type === 'notify.commands-recovered'), { timeoutMs: 10_000 });
    expect(recovered.severity).toBe('resolved');
    const ok = polls;
    await waitFor(() => polls >= ok + 3 || undefined, { timeoutMs: 10_000 });
    expect(emitted.map((e) => e.type)).toEqual(['notify.commands-failing', 'notify.commands-recovered']);
    expect(JSON.stringify(emitted)).not.toContain('TEST-token-secret');
  });

  it('a wall clock stepped forward an hour during a 3-poll outage says nothing (the outage lasted 3 s, not an hour)', async () => {
    const clock = fastClock();
    const api = await botApi((n) => {
      if (n === 2) clock.step(HOUR);
      return n <= 3;
    });
    const emitted: ClawbackEvent[] = [];
    const b = commands(api.base, clock, emitted);
    close = async () => {
      await b.stop();
      await api.close();
    };
    b.start();
    await waitFor(() => api.polls() >= 8 || undefined, { timeoutMs: 20_000 });
    expect(emitted.map((e) => e.type)).toEqual([]);
  });

  it('a wall clock stepped back an hour does not hold the warning back for an hour', async () => {
    const clock = fastClock();
    const api = await botApi((n) => {
      if (n === 2) clock.step(-HOUR);
      return true;
    });
    const emitted: ClawbackEvent[] = [];
    const pollsAtEmit: number[] = [];
    const b = commands(api.base, clock, emitted, () => pollsAtEmit.push(api.polls()));
    close = async () => {
      await b.stop();
      await api.close();
    };
    b.start();
    const failing = await waitFor(() => emitted.find((e) => e.type === 'notify.commands-failing'), { timeoutMs: 20_000 });
    // Backoff 1, 2, 4, 8, 16, 30, 30, 30 s: past 2 min at the 9th refusal; an hour later would be ~130 refusals.
    expect(pollsAtEmit[0]).toBeLessThanOrEqual(12);
    expect((failing.details as { failingForMs: number }).failingForMs).toBeGreaterThanOrEqual(120_000);
    expect((failing.details as { failingForMs: number }).failingForMs).toBeLessThan(10 * 60_000);
  });
});
