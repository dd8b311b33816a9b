// The autoscaling loop: samples each autoscaled service's metric, asks the pure policy, and scales through `clawback scale`'s path.
import type { Daemon } from '../daemon/daemon.js';
import type { ServiceConfig } from '../config/schema.js';
import type { TimerHandle } from '../platform/clock.js';
import { realCommandRunner } from '../platform/command-runner.js';
import { namesFor } from '../instances/instance-name.js';
import { scaleService, type ScaleResult } from '../instances/scale.js';
import { autoscaleTarget } from './autoscale-target.js';
import { MetricSource } from './metric-source.js';
import { autoscaleStep, initialAutoscaleState, type AutoscaleState, type ScaleDecision } from './policy.js';

/** The loop sleeps until the next sample is due, at least this long (and at most IDLE_MS, so a reload is seen). */
const MIN_LOOP_MS = 100;
/** With nothing to scale the loop only looks whether a reload added an autoscaled service. */
const IDLE_MS = 2000;

export interface AutoscaleView {
  service: string;
  metric: string;
  target: number;
  min: number;
  max: number;
  /** The last per-instance value (null: could not be measured). */
  value: number | null;
  /** Why the value is unknown when its source failed or printed garbage (the autoscaler holds the count); null otherwise. */
  held: string | null;
  instances: number;
  /** refused: why the scale did not happen (a guard or a port clash said no); the count stayed. */
  lastDecision: (ScaleDecision & { at: number; refused?: string }) | null;
}

interface Tracked {
  /** The policy it was built for: a reload that changes it starts over. */
  key: string;
  source: MetricSource;
  state: AutoscaleState;
  nextAt: number;
  view: AutoscaleView;
  /** The last refusal journaled, so a refusal repeated after each cool-down is journaled once. */
  refused?: string;
  /** The metric source's last failure journaled, so a source that stays down is journaled once per cause. */
  held?: string;
}

/** What the window's samples measure: another metric or command measures something else. */
function measureKey(a: NonNullable<ServiceConfig['autoscale']>): string {
  return JSON.stringify([a.metric, a.command ?? null]);
}

export class Autoscaler {
  private readonly tracked = new Map<string, Tracked>();
  private timer: TimerHandle | undefined;
  private busy = false;
  private stopped = false;
  private readonly abort = new AbortController();

  constructor(private readonly daemon: Daemon) {}

  start(): void {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.abort.abort();
    this.timer?.cancel();
  }

  views(): AutoscaleView[] {
    return [...this.tracked.values()].map((t) => t.view);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.daemon.ctx.clock.setTimeout(() => {
      void this.tick().finally(() => this.schedule());
    }, this.delay());
  }

  /** Until the earliest due sample (bounded), so an idle daemon wakes once per IDLE_MS, not five times a second. */
  private delay(): number {
    const now = this.daemon.ctx.clock.monotonic();
    let next = now + IDLE_MS;
    for (const t of this.tracked.values()) next = Math.min(next, t.nextAt);
    return Math.max(MIN_LOOP_MS, next - now);
  }

  private services(): ServiceConfig[] {
    return (this.daemon.source?.declared.services ?? []).filter((s) => s.autoscale);
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const { clock } = this.daemon.ctx;
      const wanted = this.services();
      for (const name of [...this.tracked.keys()]) if (!wanted.some((s) => s.name === name)) this.tracked.delete(name);
      for (const s of wanted) {
        if (this.stopped) return;
        const t = this.track(s);
        if (clock.monotonic() < t.nextAt) continue;
        t.nextAt = clock.monotonic() + s.autoscale!.interval;
        await this.sampleAndDecide(s, t);
      }
    } finally {
      this.busy = false;
    }
  }

  private track(s: ServiceConfig): Tracked {
    const a = s.autoscale!;
    const key = JSON.stringify(a);
    const known = this.tracked.get(s.name);
    if (known && known.key === key) return known;
    const { clock } = this.daemon.ctx;
    // A reload that keeps the service keeps what its change leaves true: the cool-down and the count always (a new
    // tolerance or timeout reset them, and the service was scaled again at once, minutes inside a 10-minute cool-down),
    // the window's samples while the metric and its command stay the same, the source too while its bound does.
    const was = known ? (JSON.parse(known.key) as typeof a) : undefined;
    const sameMeasure = was !== undefined && measureKey(was) === measureKey(a);
    const sameSource = sameMeasure && was.timeout === a.timeout;
    const t: Tracked = {
      key,
      source: sameSource ? known!.source : new MetricSource(a.metric, { clock, runner: realCommandRunner({ clock }) }, a.command ? { argv: a.command, timeoutMs: a.timeout } : undefined),
      state: known ? { ...known.state, samples: sameMeasure ? known.state.samples : [] } : initialAutoscaleState(),
      nextAt: known ? Math.min(known.nextAt, clock.monotonic() + a.interval) : clock.monotonic(),
      view: {
        service: s.name,
        metric: a.metric,
        target: autoscaleTarget(a),
        min: a.min,
        max: a.max,
        value: sameMeasure ? known!.view.value : null,
        held: sameSource ? known!.view.held : null,
        instances: known?.view.instances ?? 0,
        lastDecision: known?.view.lastDecision ?? null,
      },
      ...(known?.refused !== undefined ? { refused: known.refused } : {}),
      ...(sameSource && known!.held !== undefined ? { held: known!.held } : {}),
    };
    this.tracked.set(s.name, t);
    return t;
  }

  /** A metric source that fails or prints garbage holds the count: said once per cause (it was only "n/a" in status). */
  private sayHeld(s: ServiceConfig, t: Tracked, why: { problem: string; output: string } | null): void {
    t.view.held = why?.problem ?? null;
    if (!why) {
      t.held = undefined;
      return;
    }
    if (t.held === why.problem || this.stopped) return;
    t.held = why.problem;
    const { ctx } = this.daemon;
    ctx.emit({
      type: 'service.autoscale-held',
      time: ctx.clock.now(),
      severity: 'warning',
      service: s.name,
      message: `autoscale of ${s.name} holds at ${t.view.instances} instance(s): ${why.problem}${why.output ? ` (output: ${ctx.redactor.redact(why.output)})` : ''}`,
      details: { metric: s.autoscale!.metric, instances: t.view.instances, problem: why.problem, output: ctx.redactor.redact(why.output) },
    });
  }

  private async sampleAndDecide(s: ServiceConfig, t: Tracked): Promise<void> {
    const a = s.autoscale!;
    const { daemon } = this;
    const { clock } = daemon.ctx;
    const names = namesFor(s.name, daemon.runtimes.keys());
    // Maintenance on any instance: a person is at work on the service; no scaling until it ends.
    if (names.some((n) => daemon.runtimes.get(n)!.status().maintenance)) {
      t.view.instances = names.length;
      return;
    }
    const views = names.map((n) => {
      const st = daemon.runtimes.get(n)!.status();
      return { name: n, pid: st.state === 'running' ? st.pid : null, probes: st.probes };
    });
    const value = await t.source.sample(views, this.abort.signal).catch(() => null);
    t.view.value = value;
    t.view.instances = names.length;
    this.sayHeld(s, t, value === null ? t.source.problem() : null);
    // The window and the cool-down are durations: on the wall clock a step back held every decision for the step, a step forward ended the cool-down at once.
    const r = autoscaleStep(t.state, { now: clock.monotonic(), current: names.length, value }, {
      min: a.min,
      max: a.max,
      target: autoscaleTarget(a),
      tolerance: a.tolerance,
      windowMs: a.window,
      cooldownMs: a.cooldown,
      maxStep: a.maxStep,
    });
    t.state = r.state;
    if (!r.decision || this.stopped) return;
    // The same path as `clawback scale`: persisted, journaled and notified (service.scaled, info).
    const res = await scaleService(daemon, s.name, r.decision.to, 'autoscale', `${a.metric}: ${r.decision.reason}`, r.decision.from).catch(
      (err: unknown): ScaleResult => ({ status: 500, body: { ok: false, message: `${s.name}: scale failed: ${err instanceof Error ? err.message : String(err)}` } }),
    );
    if (res.body.ok) {
      t.view.lastDecision = { ...r.decision, at: clock.now() };
      t.refused = undefined;
      return;
    }
    // Someone else changed the count meanwhile: theirs stands; the policy sees the new count and its cool-down runs from it.
    if (res.body.stale) return;
    // Refused (the last serving instances would stop, a port clash): the count stays, and the policy tries again after
    // its cool-down. Journaled once per reason, so a person sees why the autoscaler does not act.
    t.view.lastDecision = { ...r.decision, at: clock.now(), refused: res.body.message };
    if (t.refused === res.body.message || this.stopped) return;
    t.refused = res.body.message;
    daemon.ctx.emit({
      type: 'service.scale-refused',
      time: clock.now(),
      severity: 'warning',
      service: s.name,
      message: `autoscale of ${s.name} from ${r.decision.from} to ${r.decision.to} refused: ${res.body.message}`,
      details: { from: r.decision.from, to: r.decision.to, by: 'autoscale', reason: `${a.metric}: ${r.decision.reason}`, refused: res.body.message },
    });
  }
}
