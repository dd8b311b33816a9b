// The hang drill thaws (SIGCONT) only the instance it froze: once the daemon has replaced it, its pid may be another
// process's, one stopped on purpose (another drill's frozen service, a debugger's target), which must stay stopped.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { hangScenario } from '../../src/drill/scenario-hang.js';
import { RestoreStack } from '../../src/drill/restore-stack.js';
import type { DrillContext } from '../../src/drill/drill-context.js';
import type { ServiceStatus } from '../../src/daemon/service-runtime.js';
import { systemClock } from '../../src/platform/clock.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { canSteerPids, startOnPid } from '../helpers/pid-steer.js';

function stateOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).charAt(0);
  } catch {
    return undefined;
  }
}

const children: MarkedChild[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) {
    c.kill();
    await c.waitForExit(5000).catch(() => undefined);
  }
});

function start(): MarkedChild {
  const c = spawnMarked(process.execPath, ['-e', "console.log('ready'); setInterval(() => {}, 1e9)"]);
  children.push(c);
  return c;
}

describe('hang drill and a reused pid', () => {
  it.skipIf(!canSteerPids())('a process that took the frozen instance\'s pid and was stopped by someone else is not thawed', async () => {
    const instance = start();
    await instance.waitForStdout('ready');
    let newcomer: MarkedChild | undefined;
    const ctx = {
      clock: systemClock(),
      // The daemon's view is never asked for: the old pid never looks gone (the newcomer holds it) until the time-out.
      link: { service: async () => undefined },
      target: { service: { name: 'svc', probes: [] }, check: { kind: 'none' }, stateDir: '/nonexistent' },
      restore: new RestoreStack(() => undefined),
      say: () => undefined,
      timeoutMs: 3_000,
      stormSize: 1,
      cliEntry: '',
      reportNotes: [],
    } as unknown as DrillContext;
    const run = hangScenario.run(ctx, 1, { pid: instance.pid } as ServiceStatus);
    // Frozen by the drill, then replaced (killed) as the daemon does; its pid goes to a newcomer that someone else stops.
    await waitFor(() => stateOf(instance.pid) === 'T' || undefined, { timeoutMs: 5_000, message: 'the drill\'s SIGSTOP' });
    instance.kill();
    await instance.waitForExit(5_000);
    newcomer = startOnPid(instance.pid, start);
    if (newcomer) process.kill(newcomer.pid, 'SIGSTOP');
    const r = await run;
    expect(r.recovered).toBe(false);
    if (!newcomer) return; // another process took the pid each time: nothing to judge
    expect(stateOf(newcomer.pid), 'the stranger stopped on purpose was thawed by the drill').toBe('T');
  }, 30_000);
});
