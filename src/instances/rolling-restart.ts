// `clawback reload NAME`: restart the instances of a service one at a time, each healthy again before the next.
import type { Daemon } from '../daemon/daemon.js';
import { namesFor } from './instance-name.js';
import { waitHealthyAgain } from './wait-healthy.js';
import { peersDown, rolloutOrder } from './rollout-guard.js';

export interface RolloutResult {
  status: number;
  body: { ok: boolean; message: string; [key: string]: unknown };
}

/** Default bound for one instance to come back healthy. */
export const ROLLOUT_INSTANCE_TIMEOUT_MS = 60_000;

export function rollingRestart(daemon: Daemon, name: string, opts: { timeoutMs?: number; by: string }): Promise<RolloutResult> {
  return daemon.exclusive(async () => {
    const { ctx } = daemon;
    const { clock } = ctx;
    const all = namesFor(name, daemon.runtimes.keys());
    if (all.length === 0) return { status: 404, body: { ok: false, message: `no service named "${name}" (known: ${[...daemon.runtimes.keys()].join(', ')})` } };
    const timeoutMs = opts.timeoutMs ?? ROLLOUT_INSTANCE_TIMEOUT_MS;
    // Those not serving first: restarting a healthy one while another is down would leave fewer than N - 1 serving.
    const names = rolloutOrder(all, daemon.runtimes);
    const done: string[] = [];
    const skipped: string[] = [];
    const started = clock.monotonic();
    // The daemon's shutdown ends the waits early: said as such, not as an instance "not healthy 60 s after its restart".
    const cutShort = (n: string, restarting: boolean): RolloutResult => {
      const left = names.filter((x) => x !== n && !done.includes(x));
      const message = `rolling restart of ${name} cut short by the daemon's shutdown ${((clock.monotonic() - started) / 1000).toFixed(1)} s in${restarting ? `, while ${n} was restarting` : `, before ${n}`}; ${done.length} restarted, ${left.length + (restarting ? 0 : 1)} left untouched`;
      ctx.emit({ type: 'service.rollout-failed', time: clock.now(), severity: 'warning', service: name, message, details: { shutdown: true, ...(restarting ? { failed: n } : { stoppedBefore: n }), restarted: done, untouched: restarting ? left : [n, ...left], by: opts.by, timeoutMs } });
      return { status: 503, body: { ok: false, message, restarted: done, untouched: restarting ? left : [n, ...left] } };
    };
    for (const n of names) {
      const rt = daemon.runtimes.get(n);
      if (!rt) continue; // removed meanwhile cannot happen (exclusive), but a missing one is no failure of the rollout
      // A person's stop (before or during the rollout) wins: a restart request would start the instance again.
      if (rt.persisted().desired !== 'up') {
        skipped.push(n);
        continue;
      }
      const down = await peersDown(n, daemon.runtimes, clock, timeoutMs, daemon.stopSignal);
      if (daemon.stopSignal.aborted) return cutShort(n, false);
      if (down.length > 0) {
        const left = names.filter((x) => !done.includes(x));
        const message = `rolling restart of ${name} stopped before ${n}: ${down.join(', ')} ${down.length > 1 ? 'are' : 'is'} not healthy ${Math.round(timeoutMs / 1000)} s later, and restarting ${n} now would take a second instance down at once; ${done.length} restarted, ${left.length} left untouched (${left.join(', ')})`;
        ctx.emit({ type: 'service.rollout-failed', time: clock.now(), severity: 'warning', service: name, message, details: { stoppedBefore: n, down, restarted: done, untouched: left, by: opts.by, timeoutMs } });
        return { status: 409, body: { ok: false, message, stoppedBefore: n, down, restarted: done, untouched: left } };
      }
      const oldPid = rt.status().pid;
      await rt.request('restart', 'human');
      const healthy = await waitHealthyAgain(rt, oldPid, clock, timeoutMs, daemon.stopSignal);
      if (!healthy && daemon.stopSignal.aborted) return cutShort(n, true);
      if (!healthy) {
        const st = rt.status();
        const left = names.filter((x) => x !== n && !done.includes(x));
        const message = `rolling restart of ${name} stopped: ${n} is not healthy ${Math.round(timeoutMs / 1000)} s after its restart (state ${st.state}, health ${st.health}); ${done.length} restarted, ${left.length} left untouched${left.length ? ` (${left.join(', ')})` : ''}`;
        ctx.emit({ type: 'service.rollout-failed', time: clock.now(), severity: 'warning', service: name, message, details: { failed: n, restarted: done, untouched: left, by: opts.by, timeoutMs } });
        return { status: 409, body: { ok: false, message, failed: n, restarted: done, untouched: left } };
      }
      done.push(n);
    }
    const kept = skipped.length > 0 ? `; ${skipped.join(', ')} left stopped (stopped by a person; \`clawback start\` to run ${skipped.length > 1 ? 'them' : 'it'})` : '';
    const message = `rolling restart of ${name}: ${done.length} instance(s) restarted one at a time, each healthy before the next (${((clock.monotonic() - started) / 1000).toFixed(1)} s)${kept}`;
    ctx.emit({ type: 'service.rollout-done', time: clock.now(), severity: 'info', service: name, message, details: { restarted: done, skipped, by: opts.by } });
    return { status: 200, body: { ok: true, message, restarted: done, skipped } };
  });
}
