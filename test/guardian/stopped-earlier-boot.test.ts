// daemon.stopped is written on every SIGTERM, a shutdown's too. Under cron no service manager starts the daemon at
// boot, and a marker left by the shutdown read as "stopped on purpose" on every pass after the reboot: the daemon and
// its services stayed down for good. A stop on purpose lasts until the next boot, as under systemd and launchd.
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { STOPPED_MARKER } from '../../src/daemon/daemon.js';
import { currentBootId, stoppedMarkerText, stoppedThisBoot } from '../../src/daemon/stopped-marker.js';
import { isAlive } from '../helpers/processes.js';
import { guardianPassWithBlockedDaemon } from '../helpers/direct-revive.js';

const cleanup: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

const EARLIER_BOOT = '00000000-0000-4000-8000-000000000000';

describe('daemon.stopped and the boot it was written in', () => {
  it('this machine tells its boot (the test needs a real one)', () => {
    expect(currentBootId()).toMatch(/^[0-9a-f-]{36}$/);
    expect(currentBootId()).not.toBe(EARLIER_BOOT);
  });

  it('a marker from an earlier boot is no stop on purpose; one from this boot, or naming none, is', () => {
    const now = currentBootId();
    expect(stoppedThisBoot(stoppedMarkerText(Date.now(), EARLIER_BOOT), now)).toBe(false);
    expect(stoppedThisBoot(stoppedMarkerText(Date.now(), now), now)).toBe(true);
    expect(stoppedThisBoot('2026-01-01T00:00:00.000Z\n', now)).toBe(true);
    expect(stoppedThisBoot('', now)).toBe(true);
    expect(stoppedThisBoot(stoppedMarkerText(Date.now(), EARLIER_BOOT), undefined)).toBe(true);
  });

  it('after a reboot the cron guardian acts again (a marker the shutdown left)', async () => {
    const { pass, pid } = await guardianPassWithBlockedDaemon('clawback-stopped-boot-', cleanup, 60_000, (stateDir) => {
      writeFileSync(path.join(stateDir, STOPPED_MARKER), stoppedMarkerText(Date.now() - 3_600_000, EARLIER_BOOT));
    });
    if (pass instanceof Error) throw pass;
    expect(pass.stdout).not.toMatch(/stopped on purpose .*nothing to do/);
    const report = JSON.parse(pass.stdout) as { outcome: string; probedServices: boolean; actions: string[] };
    expect(report.actions.join('\n')).toMatch(/earlier boot/);
    // The daemon cannot start here (its API port is taken): the pass starts the service itself.
    expect(report).toMatchObject({ outcome: 'daemon-down', probedServices: true });
    expect(pid && isAlive(pid)).toBe(true);
  }, 90_000);

  it('in the same boot the marker still keeps the daemon down', async () => {
    const { pass, pid } = await guardianPassWithBlockedDaemon('clawback-stopped-boot-', cleanup, 60_000, (stateDir) => {
      writeFileSync(path.join(stateDir, STOPPED_MARKER), stoppedMarkerText(Date.now(), currentBootId()));
    });
    if (pass instanceof Error) throw pass;
    expect(pass.stdout).toMatch(/stopped on purpose .*nothing to do/);
    expect(pid).toBeUndefined();
  }, 90_000);
});
