// A crash loop our own repair rules find no cause of, on a service with `doctor.command`: Level 2 runs the service's
// own doctor before the ladder climbs on. Before, a first run that found nothing ended the doctor rung (the later run
// that would have tried `doctor.command` never came), and the service went to a human with its own doctor never run.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startTestDaemon, NODE, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('Level 2 on a crash loop with nothing our rules can find', () => {
  it("runs the service's own doctor, whose repair then holds", async () => {
    const dir = tempDir();
    const fixedFlag = path.join(dir, 'migrated');
    // The service crashes until its own doctor has done its part (a state migration our rules know nothing of).
    const svc = `if (!require('node:fs').existsSync(${JSON.stringify(fixedFlag)})) process.exit(1); setInterval(() => {}, 1e9);`;
    const doctor = `require('node:fs').writeFileSync(${JSON.stringify(fixedFlag)}, 'done')`;
    td = await startTestDaemon(
      {
        services: [
          {
            name: 'svc',
            command: [NODE, '-e', svc],
            doctor: { command: [NODE, '-e', doctor], attempts: 1, confirmAfter: '1s' },
            restart: { backoff: { initial: '50ms', max: '200ms', jitter: 0 }, intensity: { maxRestarts: 3, window: '1m' } },
          },
        ],
      },
      { dir },
    );
    const t = td;
    const rt = t.daemon.runtimes.get('svc')!;
    const msgs = (): string => t.events.filter((e) => e.type !== 'service.exited' && e.type !== 'service.started' && e.type !== 'service.restarting').slice(-25).map((e) => `${e.type}: ${e.message}`).join('\n');
    await waitFor(() => t.events.some((e) => e.type === 'incident.resolved'), { timeoutMs: 30_000, message: msgs });
    expect(existsSync(fixedFlag)).toBe(true);
    expect(rt.status().state).toBe('running');
    expect(t.events.some((e) => e.type === 'incident.escalated')).toBe(false);
    const repair = t.events.find((e) => e.type === 'doctor.repair' && (e.details as { rule?: string } | undefined)?.rule === 'service-doctor');
    expect(repair, msgs()).toBeDefined();
  }, 60_000);

  it('still goes to a human when its own doctor cannot fix it either (bounded: one run, no loop)', async () => {
    const dir = tempDir();
    const runs = path.join(dir, 'runs');
    const doctor = `require('node:fs').appendFileSync(${JSON.stringify(runs)}, 'x'); process.exit(1)`;
    td = await startTestDaemon(
      {
        services: [
          {
            name: 'svc',
            command: [NODE, '-e', 'process.exit(1)'],
            doctor: { command: [NODE, '-e', doctor], attempts: 1 },
            restart: { backoff: { initial: '50ms', max: '200ms', jitter: 0 }, intensity: { maxRestarts: 3, window: '1m' } },
          },
        ],
      },
      { dir },
    );
    const t = td;
    const rt = t.daemon.runtimes.get('svc')!;
    const msgs = (): string => t.events.filter((e) => e.type !== 'service.exited' && e.type !== 'service.started' && e.type !== 'service.restarting').slice(-25).map((e) => `${e.type}: ${e.message}`).join('\n');
    await waitFor(() => rt.status().incident?.status === 'waiting-human', { timeoutMs: 30_000, message: msgs });
    await new Promise((r) => setTimeout(r, 1000));
    // Its own doctor ran once, in the one doctor attempt, and nothing ran it again.
    expect(existsSync(runs) ? readFileSync(runs, 'utf8').length : 0).toBe(1);
  }, 60_000);
});
