// The guardian's last resort never makes a second copy: not while a daemon holds daemon.lock (booting, no heartbeat
// yet), not for a service whose instance runs unrecorded (found by its marks).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { reviveServicesDirectly } from '../../src/daemon/direct-revive.js';
import { DAEMON_LOCK_FILE } from '../../src/daemon/daemon-lock.js';
import { clawbackConfigSchema } from '../../src/config/schema.js';
import { FileLock } from '../../src/platform/file-lock.js';
import { systemClock } from '../../src/platform/clock.js';
import { StateStore } from '../../src/daemon/state-store.js';
import { waitFor } from '../helpers/processes.js';
import { environOf } from '../../src/platform/proc.js';

const SLEEPER = fileURLToPath(new URL('../fixtures/sleeper.mjs', import.meta.url));
const dirs: string[] = [];
const pids: number[] = [];
afterEach(() => {
  for (const pid of pids.splice(0)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(): { dir: string; config: ReturnType<typeof clawbackConfigSchema.parse> } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-revive-guard-'));
  dirs.push(dir);
  const config = clawbackConfigSchema.parse({ services: [{ name: 'gw', command: [process.execPath, SLEEPER], env: { CLAWBACK_TEST_CHILD: '1' } }] });
  return { dir, config };
}

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
    pids.push(new StateStore(dir).load().state.services.gw!.record.instance!.pid);
  });

  it('does not start a service whose instance runs unrecorded (marked as started from this state dir)', async () => {
    const { dir, config } = setup();
    const child = spawn(process.execPath, [SLEEPER], { detached: true, stdio: 'ignore', env: { ...process.env, CLAWBACK_TEST_CHILD: '1', CLAWBACK_SERVICE: 'gw', CLAWBACK_SUPERVISED_BY: dir } });
    child.unref();
    pids.push(child.pid!);
    await waitFor(() => environOf(child.pid!, 'CLAWBACK_SERVICE') === 'gw', { timeoutMs: 5000 });
    expect(await reviveServicesDirectly(config, dir)).toEqual([]);
  });
});
