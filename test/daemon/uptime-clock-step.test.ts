// Uptimes are measured on the monotonic clock: a wall clock set back an hour showed "up -3597s" for the daemon and its services.
import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { HOUR, steppableClock } from '../helpers/clock.js';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';


let daemons: TestDaemon[] = [];
afterEach(async () => {
  for (const d of daemons) await d.stop();
  daemons = [];
});

describe('uptime across a wall-clock step', () => {
  for (const step of [-HOUR, HOUR]) {
    it(`stepped ${step < 0 ? 'back' : 'forward'} an hour, the daemon's and the service's uptimes go on from where they were`, { timeout: 30_000 }, async () => {
      const clock = steppableClock();
      const t = await startTestDaemon({ services: [{ name: 'svc', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] }, { clock });
      daemons.push(t);
      const rt = t.daemon.runtimes.get('svc')!;
      await waitFor(() => rt.status().pid, { timeoutMs: 10_000 });
      const before = { daemon: t.daemon.status().daemon as { uptimeMs: number; now: number }, svc: rt.status().uptimeMs! };
      clock.step(step);
      await new Promise((r) => setTimeout(r, 300));
      const daemon = t.daemon.status().daemon as { uptimeMs: number; now: number };
      const svc = rt.status().uptimeMs!;
      for (const [was, is] of [[before.daemon.uptimeMs, daemon.uptimeMs], [before.svc, svc]] as const) {
        expect(is).toBeGreaterThanOrEqual(was);
        expect(is - was).toBeLessThan(60_000);
      }
      // The status still says what time the daemon reads (the dashboard's reference for the other times).
      expect(daemon.now - before.daemon.now).toBeGreaterThan(step - 60_000);
      expect(daemon.now - before.daemon.now).toBeLessThan(step + 60_000);
    });
  }
});

describe('status times of a quiet service across a wall-clock step', () => {
  for (const step of [-HOUR, HOUR]) {
    it(`stepped ${step < 0 ? 'back' : 'forward'} an hour, a service waiting out a 10m backoff still says it restarts in about 10m`, { timeout: 30_000 }, async () => {
      const clock = steppableClock();
      // No probes and a long backoff: no fact reaches its reducer for ten minutes.
      const t = await startTestDaemon({ services: [{ name: 'down', command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '2', '50'], restart: { backoff: { initial: '10m', max: '10m', jitter: 0 } } }] }, { clock });
      daemons.push(t);
      const rt = t.daemon.runtimes.get('down')!;
      await waitFor(() => (rt.status().state === 'backoff' ? true : null), { timeoutMs: 10_000 });
      const openedFor = clock.now() - rt.status().incident!.openedAt;
      clock.step(step);
      const s = rt.status();
      expect(s.nextRestartAt! - clock.now()).toBeGreaterThan(9 * 60_000);
      // The step is measured (wall against monotonic time), to within a few ms on a loaded machine: 600004 was seen.
      expect(s.nextRestartAt! - clock.now()).toBeLessThanOrEqual(10 * 60_000 + 1000);
      expect(Math.abs(clock.now() - s.incident!.openedAt - openedFor)).toBeLessThan(5_000);
      expect(rt.status().state).toBe('backoff');
    });
  }
});
