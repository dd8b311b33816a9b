// The daemon's Level 2 run and a person's `clawback doctor --fix` on one service: the run counts as its own change only
// what it changed while it held the repair lock, so undoing it never undoes the person's repair.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { doctorRepairers, SnapshotStores } from '../../src/daemon/doctor-wiring.js';
import type { DaemonContext } from '../../src/daemon/daemon.js';
import type { ServiceRuntime } from '../../src/daemon/service-runtime.js';
import { takeRepairLock } from '../../src/doctor/repair-lock.js';
import { GOOD_CONFIG, makeFixture, type DoctorFixture } from '../doctor/doctor-fixtures.js';

const BROKEN = '{"name":"demo-gateway","host":"127.0.0.1","port":"oops"}\n';

describe('daemon doctor run vs a CLI doctor --fix holding the repair lock', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture();
  });
  afterEach(() => fx.cleanup());

  it("the CLI's repair made while the daemon waited is not counted as the daemon's, so its revert leaves it in place", async () => {
    await fs.writeFile(fx.configPath, BROKEN);
    const ctx = { stateDir: fx.stateDir, clock: fx.clock, emit: (e: unknown) => fx.events.push(e as never) } as unknown as DaemonContext;
    const runtime = (() => ({ status: () => ({ pid: null, lastExit: null, held: undefined }) })) as unknown as () => ServiceRuntime;
    const repairers = doctorRepairers(fx.service, ctx, runtime, new SnapshotStores());
    // The person's `clawback doctor --fix` holds the service's repair lock while it repairs.
    const cli = await takeRepairLock(fx.stateDir, fx.service.name, { clock: fx.clock, waitMs: 0 });
    expect(cli.ok).toBe(true);
    const daemonRun = repairers.doctor!({ id: 'inc-1', doctorRuns: 1 } as never);
    await sleep(600); // the daemon's run is waiting for the lock
    await fs.writeFile(fx.configPath, GOOD_CONFIG); // the CLI run's repair
    if (cli.ok) await cli.release();
    const result = await daemonRun;
    // The service stays down for another reason: the reducer undoes what the daemon's run changed.
    if (result.files && result.files.length > 0) await repairers.doctorRevert!(result.files, 'run-1', 'inc-1', 'still failing');
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(GOOD_CONFIG);
    expect(result.files ?? []).toEqual([]);
  });
});
