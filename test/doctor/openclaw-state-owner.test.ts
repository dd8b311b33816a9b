// Another live OpenClaw process owning the gateway's state dir (gateway.state.lock) is named for a person, never stopped,
// and a repair run spends neither the service's own doctor nor an agent on it (real processes, a real lock file).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { staleLockRule } from '../../src/doctor/rule-stale-lock.js';
import { OPENCLAW_STATE_OWNER, openclawStateOwnerRule } from '../../src/doctor/rule-openclaw-state-owner.js';
import { serviceDoctorRule } from '../../src/doctor/rule-service-doctor.js';
import { doctorRepairers, isOwnInstanceOf, preflightFor, SnapshotStores } from '../../src/daemon/doctor-wiring.js';
import type { DaemonContext } from '../../src/daemon/daemon.js';
import type { ServiceRuntime } from '../../src/daemon/service-runtime.js';
import { START_ID_MARKER } from '../../src/daemon/spawn-spec.js';
import { isAlive } from '../../src/platform/proc.js';
import { spawnMarked, type MarkedChild } from '../helpers/processes.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

describe('openclaw state-owner rule (real processes, a real gateway.state.lock)', () => {
  let fx: DoctorFixture;
  let ocState: string;
  let lockFile: string;
  let marker: string;
  const children: MarkedChild[] = [];

  beforeEach(async () => {
    fx = await makeFixture();
    ocState = path.join(fx.dir, 'oc-state');
    const lockDir = path.join(ocState, 'tmp', `openclaw-${process.getuid?.() ?? 0}`);
    await fs.mkdir(lockDir, { recursive: true });
    lockFile = path.join(lockDir, 'gateway.state.lock');
    marker = path.join(fx.dir, 'service-doctor-ran');
    // The service's own doctor: leaves a mark when it runs (it must not, against another owner of the state dir).
    const doctor = await fx.script('own-doctor.mjs', `import { writeFileSync } from 'node:fs'; writeFileSync(${JSON.stringify(marker)}, 'ran');\n`);
    fx.withService({
      lockFiles: [path.join(ocState, 'tmp', 'openclaw-*', 'gateway.*.lock')],
      doctor: { command: [process.execPath, doctor] },
      restart: { preventExitCodes: [78] },
    });
  });
  afterEach(async () => {
    for (const c of children.splice(0)) {
      c.kill();
      await c.waitForExit(5000).catch(() => undefined);
    }
    await fx.cleanup();
  });

  const owner = async (env: Record<string, string> = {}, role?: string): Promise<{ c: MarkedChild; port: number }> => {
    const c = spawnMarked(process.execPath, [path.join(FIXTURES, 'hold-state-lock.mjs'), lockFile, ocState, ...(role ? [role] : [])], { env });
    children.push(c);
    const out = await c.waitForStdout(/ready \d+/, 20_000);
    return { c, port: Number(/ready (\d+)/.exec(out)![1]) };
  };
  const sleeper = (env: Record<string, string> = {}): MarkedChild => {
    const c = spawnMarked(process.execPath, ['-e', 'setInterval(() => {}, 1e6)'], { env });
    children.push(c);
    return c;
  };

  it('a second gateway owning the state dir: critical, not fixable, names pid, command line, port and config; the own doctor is not run', async () => {
    const { c, port } = await owner();
    const bytes = await fs.readFile(lockFile, 'utf8');
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [staleLockRule(), openclawStateOwnerRule(), serviceDoctorRule({ always: true })] });
    expect(report.findings).toHaveLength(1);
    const f = report.findings[0]!;
    expect(f).toMatchObject({ rule: OPENCLAW_STATE_OWNER, severity: 'critical', fixable: false, blocksRepairs: true });
    expect(f.title).toContain(`pid ${c.pid}, port ${port}`);
    expect(f.title).toContain(ocState);
    expect(f.evidence).toContain('hold-state-lock.mjs');
    expect(f.evidence).toContain(`config ${ocState}/openclaw.json`);
    expect(f.fix).toContain(`kill ${c.pid}`);
    expect(report.exitCode).toBe(2);
    // Never stopped, its lock untouched, and `openclaw doctor --fix` (here: the own doctor) not spent.
    expect(isAlive(c.pid)).toBe(true);
    expect(await fs.readFile(lockFile, 'utf8')).toBe(bytes);
    await expect(fs.access(marker)).rejects.toThrow();
  });

  it('an `openclaw doctor` run (role sqlite-maintenance) is named as such', async () => {
    const { c } = await owner({}, 'sqlite-maintenance');
    const [f] = await openclawStateOwnerRule().detect(fx.ctx());
    expect(f?.title).toContain(`another OpenClaw \`openclaw doctor\` run owns the state dir ${ocState} (pid ${c.pid}`);
  });

  it('the Level 2 run hands it to a person: not-fixed with personOnly, no files, the own doctor not run', async () => {
    const { c, port } = await owner();
    const ctx = { stateDir: fx.stateDir, clock: fx.clock, emit: (e: unknown) => fx.events.push(e as never) } as unknown as DaemonContext;
    // The supervised gateway exited 78, as it does against another owner: the own doctor would run at once.
    const runtime = (() => ({ status: () => ({ pid: null, lastExit: { code: 78, signal: null }, held: { reason: 'exit-code' } }) })) as unknown as () => ServiceRuntime;
    const result = await doctorRepairers(fx.service, ctx, runtime, new SnapshotStores()).doctor!({ id: 'inc-1', doctorRuns: 1 } as never);
    expect(result.outcome).toBe('not-fixed');
    expect(result.files ?? []).toEqual([]);
    expect(result.personOnly).toContain(`pid ${c.pid}, port ${port}`);
    expect(result.personOnly).toContain(`kill ${c.pid}`);
    await expect(fs.access(marker)).rejects.toThrow();
    expect(isAlive(c.pid)).toBe(true);
  });

  it('the preflight before a start reads the lock: a live owner refuses the start for a person (no restart into it)', async () => {
    const ctx = { stateDir: fx.stateDir, clock: fx.clock, emit: (e: unknown) => fx.events.push(e as never) } as unknown as DaemonContext;
    const check = preflightFor(fx.service, ctx);
    const { c, port } = await owner();
    const answer = await check();
    expect(answer).toMatchObject({ personOnly: true });
    const problem = (answer as { problem: string }).problem;
    expect(problem).toContain(`pid ${c.pid}, port ${port}`);
    expect(problem).toContain(`kill ${c.pid}`);
    expect(isAlive(c.pid)).toBe(true);
    // An external service's running instance may be the lock's owner itself: not read there.
    expect(await preflightFor({ ...fx.service, external: { restartCommand: ['true'] } } as never, ctx)()).not.toMatchObject({ personOnly: true });
    // The owner gone: the same check lets the start through (or names something else, never the owner).
    c.kill();
    await c.waitForExit(10_000);
    expect(await check()).not.toMatchObject({ personOnly: true });
  });

  it('a dead owner is the stale-lock rule\'s, not this one', async () => {
    const { c } = await owner();
    c.kill();
    await c.waitForExit(10_000);
    expect(await openclawStateOwnerRule().detect(fx.ctx())).toEqual([]);
    const stale = await staleLockRule().detect(fx.ctx());
    expect(stale.map((f) => f.id)).toEqual([`stale-lock:${lockFile}`]);
  });

  it('the supervised instance, its worker (same start id, own session) and the daemon own it: no finding', async () => {
    const inst = sleeper({ [START_ID_MARKER]: 'start-abc' });
    const { c } = await owner({ [START_ID_MARKER]: 'start-abc' });
    expect(await openclawStateOwnerRule().detect(fx.ctx({ currentPid: inst.pid }))).toEqual([]);
    expect(await openclawStateOwnerRule().detect(fx.ctx({ currentPid: c.pid }))).toEqual([]);
    expect(await openclawStateOwnerRule().detect(fx.ctx({ daemonPid: c.pid }))).toEqual([]);
    // Another instance's id: a stranger.
    expect(await openclawStateOwnerRule().detect(fx.ctx({ currentPid: sleeper({ [START_ID_MARKER]: 'start-other' }).pid }))).toHaveLength(1);
  });

  it("Clawback's own stale instance (its supervision markers) is left to the lock and port rules", async () => {
    await owner({ CLAWBACK_SERVICE: fx.service.name, CLAWBACK_SUPERVISED_BY: fx.stateDir });
    expect(await openclawStateOwnerRule().detect(fx.ctx({ isOwnInstance: isOwnInstanceOf(fx.service, fx.stateDir) }))).toEqual([]);
  });
});
