// A person's doctor run that repairs a Level 4 service while the hold's slow stop is still under way: once that stop
// ends the service starts again, as the daemon announced ("restarting after the doctor"). Before, the stop's
// follow-up ("hold") outlived the hold the repair lifted: the service stayed stopped, unheld, with nothing to start it.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startTestDaemon, NODE, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe("a person's doctor run during a Level 4 hold's stop", () => {
  it('starts the service once the stop ends when the run repaired it', async () => {
    const dir = tempDir();
    const bad = path.join(dir, 'bad');
    const stubborn = path.join(dir, 'stubborn');
    const repaired = path.join(dir, 'repaired');
    // The service honours SIGTERM until `stubborn` exists: then only the grace's SIGKILL ends it (a slow stop).
    const svc = `const { existsSync } = require('node:fs'); process.on('SIGTERM', () => { if (!existsSync(${JSON.stringify(stubborn)})) process.exit(0); }); setInterval(() => {}, 1e9);`;
    const check = `process.exit(require('node:fs').existsSync(${JSON.stringify(bad)}) ? 1 : 0)`;
    // The service's own doctor: fails until `repaired` exists.
    const doctor = `process.exit(require('node:fs').existsSync(${JSON.stringify(repaired)}) ? 0 : 1)`;
    td = await startTestDaemon(
      {
        services: [
          {
            name: 'svc',
            command: [NODE, '-e', svc],
            stop: { grace: '6s' },
            doctor: { command: [NODE, '-e', doctor], attempts: 1, confirmAfter: '10m' },
            restart: { backoff: { initial: '100ms', jitter: 0 }, intensity: { maxRestarts: 10, window: '1m' } },
            probes: [{ kind: 'command', command: [NODE, '-e', check], interval: '200ms', timeout: '2s', failureThreshold: 2, startupGrace: '0s' }],
          },
        ],
      },
      { dir },
    );
    const t = td;
    const rt = t.daemon.runtimes.get('svc')!;
    const msgs = (): string => t.events.slice(-10).map((e) => `${e.type}: ${e.message}`).join('\n');
    await waitFor(() => rt.status().health === 'healthy', { timeoutMs: 15_000, message: msgs });

    // A failure the restart fixes: the incident stays open (confirmAfter 10 min) with the new instance running.
    writeFileSync(bad, '');
    await waitFor(() => t.events.some((e) => e.type === 'incident.opened'), { timeoutMs: 15_000, message: msgs });
    rmSync(bad);
    await waitFor(() => rt.status().state === 'running' && rt.status().health === 'healthy', { timeoutMs: 15_000, message: msgs });

    // A person's first doctor run finds nothing; the ladder (one attempt, no agent) ends at Level 4: a slow stop, to hold.
    writeFileSync(stubborn, '');
    const first = await rt.request('doctor', 'human');
    expect(first.ok, first.message).toBe(true);
    await waitFor(() => rt.status().incident?.status === 'waiting-human' && rt.status().state === 'stopping', { timeoutMs: 20_000, message: msgs });
    const heldPid = rt.status().pid;

    // During that stop the person runs the doctor again, and this time the service's own doctor repairs it.
    writeFileSync(repaired, '');
    const second = await rt.request('doctor', 'human');
    expect(second.ok, second.message).toBe(true);
    await waitFor(() => t.events.some((e) => e.type === 'incident.action' && (e.details as { action?: string } | undefined)?.action === 'restart-after-doctor'), { timeoutMs: 20_000, message: msgs });
    expect(rt.status().held).toBeNull();
    expect(rt.status().state).toBe('stopping');

    // The stop ends (SIGKILL after the 6 s grace): the service runs again, a new pid.
    await waitFor(() => rt.status().state === 'running' && rt.status().pid !== heldPid, { timeoutMs: 20_000, message: () => `${JSON.stringify(rt.status().state)}\n${msgs()}` });
    expect(existsSync(stubborn)).toBe(true);
    rmSync(stubborn);
  }, 60_000);
});
