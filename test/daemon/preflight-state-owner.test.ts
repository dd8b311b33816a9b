// Another live OpenClaw gateway owning the state dir (gateway.state.lock): with doctor.attempts 0 nothing named it and
// each start went into it (exit 78). A real daemon, a real lock holder: the start is refused, Level 4 names the owner.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { isAlive } from '../../src/platform/proc.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';

let td: TestDaemon | undefined;
let owner: MarkedChild | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
  owner?.kill();
  await owner?.waitForExit(10_000).catch(() => undefined);
  owner = undefined;
});

describe('the preflight reads the OpenClaw state lock', () => {
  it('doctor.attempts 0: no start into a live owner, Level 4 at once with its pid, the owner left alone', async () => {
    const dir = tempDir();
    const ocState = path.join(dir, 'oc');
    const lockDir = path.join(ocState, 'tmp', `openclaw-${process.getuid?.() ?? 0}`);
    mkdirSync(lockDir, { recursive: true });
    owner = spawnMarked(NODE, [path.join(FIXTURES, 'hold-state-lock.mjs'), path.join(lockDir, 'gateway.state.lock'), ocState]);
    await owner.waitForStdout(/ready \d+/, 20_000);
    td = await startTestDaemon(
      { services: [{ name: 'gw', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')], lockFiles: [path.join(ocState, 'tmp', 'openclaw-*', 'gateway.*.lock')], doctor: { attempts: 0 } }] },
      { dir },
    );
    const d = td.daemon;
    const svc = (): { state: string; pid: number | null; incident?: { level: number; status: string } | null } =>
      (d.status() as unknown as { services: Array<{ name: string; state: string; pid: number | null; incident?: { level: number; status: string } | null }> }).services.find((s) => s.name === 'gw')!;
    await waitFor(() => svc().incident?.status === 'waiting-human', { timeoutMs: 30_000, message: 'gw handed to a person' });
    expect(svc().pid).toBeNull();
    expect(svc().incident?.level).toBe(4);
    expect(td.events.some((e) => e.type === 'service.started')).toBe(false);
    const alert = td.events.find((e) => e.type === 'incident.escalated');
    expect(alert?.message).toContain(`pid ${owner.pid}`);
    expect(alert?.message).toContain(`kill ${owner.pid}`);
    expect(isAlive(owner.pid)).toBe(true);
  }, 60_000);
});
