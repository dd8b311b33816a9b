// The OpenClaw deep-readiness probe: /readyz from loopback, a verdict per failing subsystem, failure only once the gateway's own recovery is past its bound.
import { systemClock } from '../platform/clock.js';
import { emptyReadiness, findingFor, observe, overdue, parseReadyz, type ReadinessState } from '../openclaw/readiness-verdicts.js';
import { formatDuration } from '../config/duration.js';
import type { ProbeConfigOf } from './probe-schema.js';
import type { Probe, ProbeDeps, ProbeResult } from './probe-types.js';
import { httpExchange } from './http-exchange.js';

export function createReadinessProbe(config: ProbeConfigOf<'openclaw-readiness'>, deps: ProbeDeps = {}): Probe {
  const clock = deps.clock ?? systemClock();
  // Kept between checks on purpose: "failing since" is what lets the gateway's own recovery have its time.
  let state: ReadinessState = emptyReadiness();
  const bounds = { channelMs: config.channelBound, pluginReloadSlackMs: config.pluginReloadSlack, otherMs: config.otherBound };
  return {
    kind: 'openclaw-readiness',
    async check(target, signal): Promise<ProbeResult> {
      const ex = await httpExchange({ url: config.url, method: 'GET', headers: {}, maxBodyBytes: 256 * 1024, insecure: config.insecure }, target, signal, clock);
      // No answer at all is liveness's question (the http probe on /healthz), never a readiness failure.
      if (ex.kind === 'no-answer') return { ...ex.result, status: 'unknown' };
      const body = parseReadyz(ex.body);
      if (!body) {
        return { status: 'unknown', message: `${config.url}: HTTP ${ex.status} without the gateway's readiness JSON`, latencyMs: ex.latencyMs };
      }
      const now = { wall: clock.now(), mono: clock.monotonic() };
      state = observe(state, body, now, target.startedAt, bounds);
      const failing = Object.values(state.failing).sort((a, b) => a.sinceMono - b.sinceMono);
      const details = {
        failing: failing.map((v) => ({ name: v.name, kind: v.kind, since: v.since, dueAt: v.dueAt, ...(v.channel ? { channel: v.channel } : {}), ...(v.detail ? { detail: v.detail } : {}) })),
        ...(body.suppressed?.length ? { suppressed: body.suppressed } : {}),
      };
      if (failing.length === 0) {
        const note = body.suppressed?.length ? ` (autostart suppressed by the gateway's own breaker: ${body.suppressed.join(', ')})` : '';
        return { status: 'success', message: `ready${note}`, latencyMs: ex.latencyMs, details };
      }
      const due = overdue(state, now.mono);
      const describe = (v: (typeof failing)[number]): string =>
        `${v.kind === 'channel' ? `channel ${v.name}` : v.name} failing for ${formatDuration(now.mono - v.sinceMono)}${v.detail ? ` (${v.detail})` : ''}`;
      if (due.length === 0) {
        const next = Math.min(...failing.map((v) => v.dueMono));
        // Within the bound: the gateway's own recovery (channel auto-restart, health monitor, plugin rollback) has its turn.
        return {
          status: 'success',
          finding: 'readiness-degraded',
          message: `${failing.map(describe).join('; ')}; the gateway's own recovery has ${formatDuration(Math.max(0, next - now.mono))} left`,
          latencyMs: ex.latencyMs,
          details,
        };
      }
      const first = due[0]!;
      return {
        status: 'failure',
        finding: findingFor(first),
        message: `${due.map(describe).join('; ')}: past the gateway's own recovery bound`,
        latencyMs: ex.latencyMs,
        details,
      };
    },
  };
}
