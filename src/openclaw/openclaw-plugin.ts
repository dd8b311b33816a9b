// The daemon plugin for OpenClaw services: other-supervisor warning at start, the gateway's evidence on unclean exits and at Level 4, readiness events.

import path from 'node:path';
import type { DaemonPlugin } from '../daemon/daemon.js';
import type { ServiceConfig } from '../config/schema.js';
import type { ClawbackEvent } from '../observe/events.js';
import { realCommandRunner, type CommandRunner } from '../platform/command-runner.js';
import { gatewayCli } from './gateway-cli.js';
import { exportDiagnostics, readStabilityBundle } from './gateway-evidence.js';
import { describeOtherSupervisor, findOtherSupervisors, type OtherSupervisor } from './other-supervisor.js';
import { ReadinessReporter, type ReadinessReport } from './readiness-reporter.js';
import { restartChannel } from './channel-restart.js';
import type { ScopedRestarter } from '../daemon/service-runtime.js';
import { mkdirRecursiveSync } from '../platform/mkdir-cause.js';

export interface OpenclawPluginOptions {
  runner?: CommandRunner;
  /** Tests point this at a temp HOME; default: the service's HOME and the daemon's. */
  otherSupervisors?: (service: ServiceConfig) => OtherSupervisor[];
}

/** Shared between the plugin (events) and the wiring (probe reports, the scoped restarter). */
export class OpenclawParts {
  readonly reporters = new Map<string, ReadinessReporter>();
  private readonly runner: CommandRunner;
  /** Set by the plugin's init: the reporter of a service that is an OpenClaw gateway in the config now (a reload may add one). */
  private newReporter: ((service: string) => ReadinessReporter | undefined) | undefined;

  constructor(private readonly opts: OpenclawPluginOptions = {}) {
    this.runner = opts.runner ?? realCommandRunner();
  }

  /** The wiring feeds every probe report here; only openclaw-readiness reports are read. */
  onProbeResult(service: string, r: ReadinessReport): void {
    if (r.kind !== 'openclaw-readiness') return;
    let reporter = this.reporters.get(service);
    if (!reporter) {
      reporter = this.newReporter?.(service);
      if (reporter) this.reporters.set(service, reporter);
    }
    reporter?.onReport(r);
  }

  /** The smallest scope for a service with an `openclaw` block and channelRestart on. */
  scopedRestarter(service: ServiceConfig): ScopedRestarter | undefined {
    const oc = service.openclaw;
    if (!oc?.channelRestart) return undefined;
    const cli = gatewayCli(service, this.runner);
    return (scope, signal) => restartChannel(cli, scope, signal, { timeoutMs: oc.evidenceTimeout });
  }

  plugin(): DaemonPlugin {
    return {
      name: 'openclaw',
      init: (ctx, daemon) => {
        // The services are looked up in ctx.config at each use, not kept from now: a reload adds, replaces and removes
        // them (a gateway it added had no readiness events and no evidence; a replaced one's incident was not found).
        const gateway = (name: string | undefined): ServiceConfig | undefined => ctx.config.services.find((s) => s.name === name && s.openclaw);
        this.newReporter = (name) => (gateway(name) ? new ReadinessReporter(name, ctx.emit, () => daemon.runtimes.get(name)?.currentIncident()?.id) : undefined);
        const services = ctx.config.services.filter((s) => s.openclaw);
        const aborts = new Set<AbortController>();
        const inFlight = new Set<Promise<void>>();
        const startedAt = new Map<string, number>();
        const busy = new Set<string>();

        for (const s of services) {
          if (s.openclaw!.otherSupervisorCheck) {
            const found = (this.opts.otherSupervisors ?? findOtherSupervisors)(s);
            for (const f of found) {
              ctx.emit({
                type: 'openclaw.other-supervisor',
                time: ctx.clock.now(),
                severity: f.enabled ? 'warning' : 'info',
                service: s.name,
                message: describeOtherSupervisor(f, s.name),
                details: { manager: f.manager, unit: f.unit, path: f.path, enabled: f.enabled },
              });
            }
          }
        }

        const run = (key: string, body: (signal: AbortSignal) => Promise<void>): void => {
          if (busy.has(key)) return; // one evidence read per service and kind at a time
          busy.add(key);
          const abort = new AbortController();
          aborts.add(abort);
          const p = body(abort.signal)
            .catch(() => undefined)
            .finally(() => {
              aborts.delete(abort);
              busy.delete(key);
              inFlight.delete(p);
            });
          inFlight.add(p);
        };

        const evidenceEvent = (s: ServiceConfig, incidentId: string | undefined, kind: 'stability' | 'diagnostics', r: { ok: boolean; summary: string; path?: string }, level?: ClawbackEvent['level']): void => {
          ctx.emit({
            type: 'openclaw.evidence',
            time: ctx.clock.now(),
            severity: r.ok ? 'warning' : 'info',
            service: s.name,
            ...(incidentId ? { incidentId } : {}),
            ...(level !== undefined ? { level } : {}),
            message: `${s.name}: the gateway's ${kind === 'stability' ? 'stability bundle' : 'diagnostics export'}: ${r.summary}`,
            details: { kind, summary: r.summary, ok: r.ok, ...(r.path ? { path: r.path } : {}) },
          });
        };

        const off = ctx.bus.subscribe((e) => {
          // A gateway a reload removed (or made a plain service) starts afresh if it comes back: no failing parts kept.
          if (e.type === 'config.reloaded') for (const name of [...this.reporters.keys()]) if (!gateway(name)) this.reporters.delete(name);
          const s = gateway(e.service);
          if (!s || !s.openclaw!.evidence) return;
          const cli = gatewayCli(s, this.runner);
          const timeoutMs = s.openclaw!.evidenceTimeout;
          if (e.type === 'service.started') startedAt.set(s.name, e.time);
          if (e.type === 'service.exited') {
            const d = (e.details ?? {}) as { expected?: boolean; code?: number | null; signal?: string | null };
            const unclean = d.expected === false && (d.code !== 0 || !!d.signal);
            if (!unclean) return;
            const notBefore = startedAt.get(s.name);
            run(`${s.name}:stability`, async (signal) => {
              const r = await readStabilityBundle(cli, ctx.redactor, { timeoutMs, signal, ...(notBefore !== undefined ? { notBefore } : {}) });
              if (!signal.aborted) evidenceEvent(s, e.incidentId, 'stability', r);
            });
          }
          if (e.type === 'incident.level' && e.level === 4 && e.incidentId) {
            const incidentId = e.incidentId;
            run(`${s.name}:diagnostics`, async (signal) => {
              const dir = path.join(ctx.stateDir, 'incidents', incidentId);
              mkdirRecursiveSync(dir, 0o700);
              const r = await exportDiagnostics(cli, ctx.redactor, { dir, incidentId, timeoutMs, signal });
              if (!signal.aborted) evidenceEvent(s, incidentId, 'diagnostics', r, 4);
            });
          }
        });

        return {
          stop: async () => {
            off();
            for (const a of aborts) a.abort();
            await Promise.allSettled([...inFlight]);
          },
        };
      },
    };
  }
}
