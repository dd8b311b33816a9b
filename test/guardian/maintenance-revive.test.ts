// Issue 25 and the guardian's direct revive (no daemon can run): maintenance holds there too, and one that expired ends.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { reviveServicesDirectly } from '../../src/daemon/direct-revive.js';
import { StateStore } from '../../src/daemon/state-store.js';
import { clawbackConfigSchema } from '../../src/config/schema.js';
import { normalizeState } from '../../src/decide/service-state.js';
import { isAlive } from '../../src/platform/proc.js';

const SLEEPER = fileURLToPath(new URL('../fixtures/sleeper.mjs', import.meta.url));
const dirs: string[] = [];
const pids: number[] = [];
afterEach(() => {
  for (const pid of pids.splice(0)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(until: number | null): { dir: string; config: ReturnType<typeof clawbackConfigSchema.parse> } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-maint-revive-'));
  dirs.push(dir);
  const config = clawbackConfigSchema.parse({ services: [{ name: 'gw', command: [process.execPath, SLEEPER], env: { CLAWBACK_TEST_CHILD: '1' } }] });
  const { incident, ...record } = normalizeState(undefined, null, 'up');
  record.maintenance = { since: Date.now() - 60_000, until, reason: 'moving disks', by: 'cli:ann' };
  new StateStore(dir).save({ version: 1, services: { gw: { record, incident } } });
  return { dir, config };
}

describe('guardian direct revive and maintenance', () => {
  it('does not start a service in maintenance', async () => {
    const { dir, config } = setup(Date.now() + 3_600_000);
    expect(await reviveServicesDirectly(config, dir)).toEqual([]);
    expect(new StateStore(dir).load().state.services.gw!.record.maintenance).not.toBeNull();
  });

  it('ends a maintenance whose deadline passed and starts the service', async () => {
    const { dir, config } = setup(Date.now() - 1000);
    expect(await reviveServicesDirectly(config, dir)).toEqual(['gw']);
    const saved = new StateStore(dir).load().state.services.gw!.record;
    expect(saved.maintenance).toBeNull();
    const pid = saved.instance!.pid;
    pids.push(pid);
    expect(isAlive(pid)).toBe(true);
  });
});
