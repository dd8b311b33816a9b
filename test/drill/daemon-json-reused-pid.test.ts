// daemon.json without a start time (no /proc nor ps when written, or by hand) naming a pid a reboot gave to another
// process: the drill judged it by the pid alone, so daemon-kill (and nuclear) SIGKILLed the stranger as "the daemon",
// and the CPU/RSS sampler measured it. The drill now uses the rule of the guardian and `run` (recordedDaemonLives).
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/daemon.js';
import { spawnMarked, type MarkedChild } from '../helpers/processes.js';
import { daemonAliveSync } from '../../src/drill/daemon-ops.js';
import { daemonKillScenario } from '../../src/drill/scenario-daemon.js';
import { startDaemonUsage } from '../../src/drill/daemon-usage.js';
import { RestoreStack } from '../../src/drill/restore-stack.js';
import type { DrillContext } from '../../src/drill/drill-context.js';
import { systemClock } from '../../src/platform/clock.js';

const cleanup: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

function stranger(): MarkedChild {
  const c = spawnMarked('sleep', ['600']);
  cleanup.push(async () => {
    c.kill();
    await c.waitForExit(5000).catch(() => undefined);
  });
  return c;
}

/** A state dir whose daemon.json names `pid` with no start time, its heartbeat 10 min old, its start 1 min before that. */
function stateNaming(pid: number): string {
  const dir = tempDir('clawback-drill-reused-pid-');
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const stateDir = path.join(dir, 'state');
  mkdirSync(stateDir, { mode: 0o700 });
  const old = Date.now() - 600_000;
  writeFileSync(
    path.join(stateDir, 'daemon.json'),
    JSON.stringify({ pid, startedAt: old - 60_000, version: '0.1.0', api: { host: '127.0.0.1', port: 1 }, heartbeatAt: old, configPath: path.join(dir, 'x.yaml'), pidStartTime: null }),
  );
  return stateDir;
}

describe('the drill and a daemon.json naming a reused pid without a start time', () => {
  it('daemonAliveSync finds no live daemon', () => {
    const s = stranger();
    expect(daemonAliveSync(stateNaming(s.pid))).toBeNull();
  });

  it('daemon-kill does not SIGKILL the stranger: "no live daemon found in daemon.json"', async () => {
    const s = stranger();
    const stateDir = stateNaming(s.pid);
    const restore = new RestoreStack(() => undefined);
    const ctx = {
      clock: systemClock(),
      link: { service: async () => undefined, tryStatus: async () => undefined },
      target: { service: { name: 'web', probes: [] }, check: { kind: 'port', host: '127.0.0.1', port: 1 }, stateDir, config: { services: [] } },
      restore,
      say: () => undefined,
      timeoutMs: 300,
      stormSize: 1,
      cliEntry: path.join(stateDir, 'no-such-cli.js'),
      reportNotes: [],
      startedAt: Date.now(),
    } as unknown as DrillContext;
    const run = await daemonKillScenario.run(ctx, 1, { name: 'web', state: 'running', pid: process.pid, pidStartTime: null } as never).catch((e: unknown) => ({ outcome: String(e) }));
    await new Promise((r) => setTimeout(r, 200));
    expect(s.exitInfo(), 'the stranger was signalled').toBeUndefined();
    expect(run.outcome).toBe('no live daemon found in daemon.json');
  }, 30_000);

  it('the daemon usage sampler measures nothing of the stranger', () => {
    const s = stranger();
    const usage = startDaemonUsage(stateNaming(s.pid), systemClock(), 60_000);
    usage.stop();
    expect(usage.samples).toEqual([]);
  });
});
