// The guardian's direct revive (no daemon can run) keeps a backoff under way: nothing starts before its due time, a due one starts.
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

function setup(nextStartAt: number): { dir: string; config: ReturnType<typeof clawbackConfigSchema.parse> } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-backoff-revive-'));
  dirs.push(dir);
  const config = clawbackConfigSchema.parse({ services: [{ name: 'gw', command: [process.execPath, SLEEPER], env: { CLAWBACK_TEST_CHILD: '1' }, restart: { backoff: { max: '5m' } } }] });
  const { incident, ...record } = normalizeState(undefined, null, 'up');
  Object.assign(record, { phase: 'backoff', nextStartAt, backoffAttempt: 3, restartHistory: [Date.now() - 5000] });
  new StateStore(dir).save({ version: 1, services: { gw: { record, incident } } });
  return { dir, config };
}

describe('guardian direct revive and a backoff under way', () => {
  it('starts nothing before the due time; the state keeps it', async () => {
    const due = Date.now() + 120_000;
    const { dir, config } = setup(due);
    expect(await reviveServicesDirectly(config, dir)).toEqual([]);
    expect(new StateStore(dir).load().state.services.gw!.record).toMatchObject({ phase: 'backoff', nextStartAt: due });
  });

  it('starts a service whose restart is due', async () => {
    const { dir, config } = setup(Date.now() - 1000);
    expect(await reviveServicesDirectly(config, dir)).toEqual(['gw']);
    const pid = new StateStore(dir).load().state.services.gw!.record.instance!.pid;
    pids.push(pid);
    expect(isAlive(pid)).toBe(true);
  });
});
