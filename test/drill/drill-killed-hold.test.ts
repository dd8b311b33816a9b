// A drill SIGKILLed mid port-steal leaves the service held at level 4 although its fault died with it: the next drill lifts that hold once and says so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { fileURLToPath } from 'node:url';
import { NODE } from '../helpers/daemon.js';
import { spawnMarked, waitFor } from '../helpers/processes.js';
import { startDrillDaemon, type DrillDaemon } from './drill-daemon.js';
import { holdLeftByDeadDrill } from '../../src/drill/dead-drill-hold.js';
import { DaemonLink } from '../../src/drill/daemon-link.js';

const dist = (p: string): string => fileURLToPath(new URL(`../../dist/${p}`, import.meta.url));

describe('holdLeftByDeadDrill', () => {
  const dead = { pid: 1, startTime: null, acquiredAt: 1000, token: 't' };
  it('only a hold that began after the dead drill took its lock, and never a repair', () => {
    expect(holdLeftByDeadDrill({ reason: 'preflight', detail: 'port', since: 1500 }, dead)).toBe(true);
    expect(holdLeftByDeadDrill({ reason: 'preflight', detail: 'port', since: 999 }, dead)).toBe(false);
    expect(holdLeftByDeadDrill({ reason: 'repair', detail: 'x', since: 1500 }, dead)).toBe(false);
    expect(holdLeftByDeadDrill(null, dead)).toBe(false);
    expect(holdLeftByDeadDrill({ reason: 'crash-loop', detail: 'x', since: 1500 }, undefined)).toBe(false);
  });
});

describe('a drill SIGKILLed while it holds the service port', () => {
  let d: DrillDaemon;
  beforeAll(async () => {
    d = await startDrillDaemon('gateway');
  });
  afterAll(async () => {
    await d?.stop();
  });

  it('the next drill lifts the hold it left (the port is free again), runs, and says so', async () => {
    const tmp = path.join(d.dir, 'tmp');
    mkdirSync(tmp);
    const env = { TMPDIR: tmp };
    const link = new DaemonLink(d.stateDir);
    // A drill as port-steal runs it, in a real process: takes the drill lock, kills the service and takes its port.
    const script = `const lock = await import(${JSON.stringify(dist('drill/drill-lock.js'))});
      const grab = await import(${JSON.stringify(dist('drill/port-grab.js'))});
      const { DaemonLink } = await import(${JSON.stringify(dist('drill/daemon-link.js'))});
      const { systemClock } = await import(${JSON.stringify(dist('platform/clock.js'))});
      if (!('lock' in (await lock.takeDrillLock(${JSON.stringify(d.stateDir)})))) process.exit(3);
      const link = new DaemonLink(${JSON.stringify(d.stateDir)});
      for (let i = 0; i < 5; i++) {
        const s = await link.service('gw');
        if (s?.pid) process.kill(s.pid, 'SIGKILL');
        if (await grab.grabPort('127.0.0.1', ${d.port}, systemClock(), 2000)) { console.log('holding'); break; }
        await new Promise((r) => setTimeout(r, 500));
      }
      setInterval(() => undefined, 1000);`;
    const killed = spawnMarked(NODE, ['--input-type=module', '-e', script], { env });
    await killed.waitForStdout('holding', 20_000);
    const heldForHuman = async () => {
      const s = await link.service('gw');
      return s?.held && s.held.reason !== 'repair' && s.incident?.level === 4 ? s.held : undefined;
    };
    const held = await waitFor(heldForHuman, { timeoutMs: 40_000, intervalMs: 50 });
    process.kill(killed.pid, 'SIGKILL');
    await killed.waitForExit(10_000);
    // The port is free, the fault is gone, yet the service stays held for a human.
    await new Promise((r) => setTimeout(r, 1000));
    expect(await link.service('gw'), JSON.stringify(held)).toMatchObject({ held: { reason: held.reason } });
    expect(held.detail).toContain(`port ${d.port}`);
    const r = await runCli(['drill', 'crash', '--json', '--yes', '--timeout', '40', '--state-dir', d.stateDir], { env, timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/a drill \(pid \d+, started [^)]+\) was killed mid-fault and left "gw" held \(preflight: port \d+ is in use.*its fault is gone: resumed/);
    const report = JSON.parse(r.stdout) as { passed: boolean; notes: string[] };
    expect(report.passed).toBe(true);
    expect(report.notes.some((n) => n.includes('was killed mid-fault'))).toBe(true);
  }, 150_000);
});
