// A guardian pass that starts the services itself (the daemon cannot start: its API port is taken) must still end:
// launchd and a systemd oneshot run no next pass while one is running, so a pass held by the service it started
// left the daemon unrevived for as long as that service lived.
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive } from '../helpers/processes.js';
import { guardianPassWithBlockedDaemon } from '../helpers/direct-revive.js';

const cleanup: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

describe('guardian pass that starts services directly', () => {
  it('exits once its report is written, leaving the service it started running', async () => {
    const { pass, pid } = await guardianPassWithBlockedDaemon('clawback-guardian-direct-exit-', cleanup, 50_000);
    expect(pass, 'the guardian pass did not exit while the service it started ran').not.toBeInstanceOf(Error);
    const report = JSON.parse((pass as { stdout: string }).stdout) as { outcome: string; probedServices: boolean };
    expect(report).toMatchObject({ outcome: 'daemon-down', probedServices: true });
    expect(pid && isAlive(pid)).toBe(true);
  }, 90_000);
});
