// The guardian's last resort never makes a second copy: not while a daemon holds daemon.lock (booting, no heartbeat
// yet), not for a service whose instance runs unrecorded (found by its marks).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { reviveServicesDirectly } from '../../src/daemon/direct-revive.js';
import { DAEMON_LOCK_FILE } from '../../src/daemon/daemon-lock.js';
import { FileLock } from '../../src/platform/file-lock.js';
import { systemClock } from '../../src/platform/clock.js';
import { waitFor } from '../helpers/processes.js';
import { environOf } from '../../src/platform/proc.js';
import { SLEEPER, directReviveHarness } from '../helpers/direct-revive.js';

const revive = directReviveHarness();
afterEach(() => revive.cleanup());
const setup = () => revive.setup('clawback-revive-guard-');

describe('guardian direct revive', () => {
  it('starts nothing while a live daemon holds daemon.lock', async () => {
    const { dir, config } = setup();
    const lock = new FileLock(path.join(dir, DAEMON_LOCK_FILE), { clock: systemClock() });
    expect(await lock.acquire()).toBe(true);
    try {
      expect(await reviveServicesDirectly(config, dir)).toEqual([]);
    } finally {
      await lock.release();
    }
    // Once the holder is gone, the service is started as before.
    const started = await reviveServicesDirectly(config, dir);
    expect(started).toEqual(['gw']);
    revive.startedPid(dir);
  });

  it('does not start a service whose instance runs unrecorded (marked as started from this state dir)', async () => {
    const { dir, config } = setup();
    const child = spawn(process.execPath, [SLEEPER], { detached: true, stdio: 'ignore', env: { ...process.env, CLAWBACK_TEST_CHILD: '1', CLAWBACK_SERVICE: 'gw', CLAWBACK_SUPERVISED_BY: dir } });
    child.unref();
    revive.track(child.pid!);
    await waitFor(() => environOf(child.pid!, 'CLAWBACK_SERVICE') === 'gw', { timeoutMs: 5000 });
    expect(await reviveServicesDirectly(config, dir)).toEqual([]);
  });
});
