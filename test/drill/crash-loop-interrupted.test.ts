// An interrupted crash-loop trial reported the wait budget as its duration ("7 kills in 1m27s") after 10 s: the report must carry the measured time.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { systemClock } from '../../src/platform/clock.js';
import { restartSchema } from '../../src/config/schema.js';
import { RestoreStack } from '../../src/drill/restore-stack.js';
import { crashLoopScenario, crashLoopBudgetMs } from '../../src/drill/scenario-crash-loop.js';
import type { DrillContext } from '../../src/drill/drill-context.js';
import type { ServiceStatus } from '../../src/daemon/service-runtime.js';

describe('crash-loop stopped by Ctrl-C', () => {
  it('reports the time it ran and that it was stopped, not the breaker budget', async () => {
    // The "service" is a real child of this test: the scenario SIGKILLs it first.
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    const restart = restartSchema.parse({ backoff: { initial: '100ms', max: '1s', jitter: 0 }, intensity: { maxRestarts: 4, window: '1m' } });
    expect(crashLoopBudgetMs(restart)).toBeGreaterThan(15_000);
    const stop = new AbortController();
    const ctx = {
      clock: systemClock(),
      // The daemon reports the service down and not held, so the trial waits for the breaker until it is stopped.
      link: {
        service: async () => ({ name: 'gw', pid: null, held: null }) as unknown as ServiceStatus,
        action: async () => ({ status: 200, message: 'ok' }),
      },
      target: { service: { name: 'gw', restart }, check: { kind: 'tcp', host: '127.0.0.1', port: 1 } },
      restore: new RestoreStack(() => undefined),
      say: () => undefined,
      timeoutMs: 5000,
      signal: stop.signal,
    } as unknown as DrillContext;
    setTimeout(() => stop.abort(), 600);
    const started = performance.now();
    try {
      const run = await crashLoopScenario.run(ctx, 1, { name: 'gw', pid: child.pid! } as unknown as ServiceStatus);
      expect(performance.now() - started).toBeLessThan(5000);
      expect(run.asExpected).toBe(false);
      expect(run.outcome).toMatch(/^1 kills in (5|6|7|8|9)\d\d ms and the breaker had not tripped when the drill was stopped$/);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
