// A recorded instance whose start time was unreadable at spawn (pidStartTime null): adopting it must not adopt (and
// later stop) a newcomer that took its pid, pid_max being 32768 here and on CI.
import { afterEach, describe, expect, it } from 'vitest';
import { adoptInstance } from '../../src/supervisor/service-process.js';
import { systemClock } from '../../src/platform/clock.js';
import { processStartTime } from '../../src/platform/proc.js';
import { spawnMarked, type MarkedChild } from '../helpers/processes.js';
import { canSteerPids, startOnPid } from '../helpers/pid-steer.js';

const IDLE = ['-e', 'setInterval(() => {}, 1e9)'];

const children: MarkedChild[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) {
    c.kill();
    await c.waitForExit(5000).catch(() => undefined);
  }
});

function start(): MarkedChild {
  const c = spawnMarked(process.execPath, IDLE);
  children.push(c);
  return c;
}

describe('adoptInstance with pidStartTime null', () => {
  it.skipIf(!canSteerPids())('adopts the recorded process (its start time pinned) but never a newcomer that took its pid later', async () => {
    const clock = systemClock();
    const service = start();
    const record = { pid: service.pid, pidStartTime: null, startedAt: Date.now() };

    const adopted = adoptInstance(record, clock);
    expect(adopted?.pidStartTime).toBe(processStartTime(service.pid));
    adopted?.release();

    // The service ran a while, died while no daemon watched, and its pid went to another process.
    await new Promise((r) => setTimeout(r, 6_000));
    service.kill();
    await service.waitForExit(5000);
    const newcomer = startOnPid(record.pid, start);
    if (!newcomer) return; // another process took the pid each time: nothing to judge

    const wrong = adoptInstance(record, clock);
    // Adopted, the stranger would be stopped (SIGTERM, then SIGKILL to its group) at the service's next restart.
    await wrong?.stop('SIGTERM', 500);
    expect(wrong, 'a newcomer holding the pid was adopted').toBeUndefined();
    expect(newcomer.exitInfo()).toBeUndefined();
  }, 30_000);
});
