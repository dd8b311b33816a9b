// Process-group membership on real processes: the gone-group fast path answers the same as the /proc scan.
import { afterEach, describe, expect, it } from 'vitest';
import { processGroupHolding, processGroupMembers } from '../../src/platform/proc.js';
import { spawnMarked, type MarkedChild } from '../helpers/processes.js';

const children: MarkedChild[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) {
    c.kill();
    await c.exited;
  }
});

describe.runIf(process.platform === 'linux')('process group membership', () => {
  it('lists a live group (leader and child), and nothing once the group is gone', async () => {
    // A shell leader with a sleeping child: both in the leader's group (spawnMarked detaches: own group).
    const c = spawnMarked('sh', ['-c', 'sleep 30 & echo started; wait']);
    children.push(c);
    await c.waitForStdout('started');
    const members = processGroupMembers(c.pid);
    expect(members).toContain(c.pid);
    expect(members.length).toBe(2);
    expect(processGroupHolding(c.pid)).toBe(true);

    process.kill(-c.pid, 'SIGKILL');
    await c.exited;
    // The orphaned sleep is reaped by init shortly after: bounded wait until the group is empty.
    const deadline = Date.now() + 5000;
    while (processGroupMembers(c.pid).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(processGroupMembers(c.pid)).toEqual([]);
    expect(processGroupHolding(c.pid)).toBe(false);
  });

  it('answers a group that never existed at once (no scan of /proc)', () => {
    // pid_max on Linux is at most 4194304: this group cannot exist.
    const t0 = performance.now();
    for (let i = 0; i < 50; i++) expect(processGroupMembers(4_194_305)).toEqual([]);
    expect(processGroupHolding(4_194_305)).toBe(false);
    // A scan of /proc costs tens of ms on a busy machine; 50 answers without one stay far below that.
    expect(performance.now() - t0).toBeLessThan(500);
  });
});
