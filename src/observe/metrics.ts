// Prometheus metrics for /metrics: counters fed from the event bus, gauges set by the daemon, in a registry of our own.
import { daemonHeap } from '../platform/heap-figures.js';
import { Counter, Gauge, Histogram, Registry } from './prom-parts.js';
import { payload, type ClawbackEvent } from './events.js';
import { ProbeSeriesSet, type ProbeSeries } from './probe-series.js';

export type ProbeStatus = 'success' | 'failure' | 'unknown';

export interface ProbeObservation {
  status: ProbeStatus;
  latencyMs?: number;
}

export interface ServiceGauges {
  /** The service's process is running (and not known unhealthy, as the daemon sees it). */
  up: boolean;
  /** Clawback keeps it running: not stopped by a person, nor a job its restart policy leaves down after a clean exit. */
  expectedUp?: boolean;
  breakerOpen: boolean;
  /** Its start-up window (startup.timeout) is open: started, not yet through its first healthy check. */
  starting?: boolean;
  /** RSS of the service's process tree; undefined drops the series (no process runs, or no reading yet). */
  rssBytes?: number;
  /** The service's configured memory limit, for "memory near limit" alerts; undefined drops the series (no limit configured). */
  memoryLimitBytes?: number;
}

export interface MetricsOptions {
  version?: string;
  /**
   * The worst event-loop lag (ms) in the last minute, read without consuming it, for the lag gauge: the daemon passes how late its
   * timers fired (platform/clock.ts, latenessRecordingClock). Without it the gauge reads 0. A sampling timer of
   * its own (monitorEventLoopDelay) woke an idle daemon ten times a second at 100 ms, 50 at 20 ms.
   */
  loopLag?: () => number;
}

export interface Metrics {
  /** prom-client's part (the probe families are written by render() itself, see probe-series.ts). */
  readonly registry: Registry;
  /**
   * Feeds one bus event (subscribe it to the EventBus). Counted: service.restarting -> restarts_total
   * (level label 'none' when the event has no level); incident.opened/level/escalated/resolved -> incidents_open,
   * incidents_total (once per incident: at escalation with outcome 'escalated', at a `never` crash kept down
   * (service.stopped keptDown) with outcome 'failed', else at resolution with details.outcome), time_to_recover (details.ttrMs); breaker.tripped/resumed -> breaker_open;
   * agent.finished -> emergency_runs_total; memory.warning/limit -> service RSS. Other events are ignored.
   */
  onEvent(event: ClawbackEvent): void;
  /**
   * An incident already open when this daemon started (kept in state.json): counted in incidents_open again, and not
   * counted a second time in incidents_total when it was already counted (escalated to a human, or failed and kept down).
   * `openedAt` (ms since the epoch, from state.json) is its start for the oldest-open gauge.
   */
  resumeIncident(id: string, service: string, level: number, counted: boolean, openedAt: number): void;
  observeProbe(service: string, probe: string, kind: string, result: ProbeObservation): void;
  /** The metrics series of one probe, to keep and feed per result (observeProbe without the lookup). */
  probeSeries(service: string, probe: string, kind: string): ProbeSeries;
  setServiceGauges(service: string, gauges: ServiceGauges): void;
  /**
   * Drops the per-service gauges, open incidents and probe series of services (and probes) no longer supervised,
   * e.g. removed by a reload or a scale-down: otherwise they keep their last value (down, breaker open) for ever.
   * `live`: service -> its probes (undefined: not known now, keep all of its probe series).
   */
  retainServices(live: ReadonlyMap<string, ReadonlyArray<{ name: string; kind: string }> | undefined>): void;
  /**
   * When this daemon started (ms since the epoch): its counters count from 0 since then. A counter back at its old value
   * after a restart (1 escalation before, 1 after) is no increase to Prometheus, so rules need this to see the reset.
   */
  setDaemonStartTime(ms: number): void;
  setOutboxDepth(n: number): void;
  /** Alerts in a channel's dead letters (retry budget spent, refused, or expired): kept, visible, retried. */
  setDeadLetters(channel: string, n: number): void;
  notifierDelivery(channel: string, ok: boolean): void;
  /** One alert a full outbox did not keep on its own (folded into the summary, or a refused one dropped). */
  notifierOverflow(channel: string, how: 'folded' | 'dropped'): void;
  /**
   * Drops the dead-letter, delivery and overflow series of channels not in `live` (removed by a reload, none kept as
   * stranded): a removed channel's last dead-letter count stayed exported, never updated, and its alert fired for ever.
   */
  retainChannels(live: ReadonlySet<string>): void;
  /** Text exposition format (Prometheus 0.0.4). */
  render(): Promise<string>;
  readonly contentType: string;
  /** Stops reading the event-loop lag (the gauge reads 0 after); idempotent. */
  stop(): void;
}

const PROBE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const TTR_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600];

interface OpenIncident {
  service: string;
  highestLevel: number;
  /** Already counted in clawback_incidents_total (it was escalated to a human). */
  counted: boolean;
  /** When it opened (ms since the epoch): clawback_incident_oldest_open_start_time_seconds. */
  openedAt: number;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function str(v: unknown, fallback: string): string {
  return typeof v === 'string' && v.length > 0 ? v : fallback;
}

export function createMetrics(opts: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const registers = [registry];

  const serviceUp = new Gauge({ name: 'clawback_service_up', help: 'Whether the supervised service is up (1) or down (0).', labelNames: ['service'], registers });
  // Down on purpose is not an outage: ClawbackServiceDown reads this beside clawback_service_up.
  const expectedUp = new Gauge({ name: 'clawback_service_expected_up', help: 'Whether Clawback keeps the service running (1), or it is down on purpose (0: stopped by a person, or a job its restart policy leaves down).', labelNames: ['service'], registers });
  // clawback_probe_healthy and clawback_probe_duration_seconds: updated per probe result, rendered per scrape.
  const probes = new ProbeSeriesSet(PROBE_BUCKETS);
  const restarts = new Counter({ name: 'clawback_restarts_total', help: 'Restarts performed since this daemon started, by ladder level and reason (clawback status RESTARTS is kept across daemon restarts).', labelNames: ['service', 'level', 'reason'], registers });
  const incidents = new Counter({ name: 'clawback_incidents_total', help: 'Incidents closed (resolved) or escalated to a human, each counted once.', labelNames: ['service', 'outcome', 'highest_level'], registers });
  const incidentsOpen = new Gauge({ name: 'clawback_incidents_open', help: 'Incidents currently open.', labelNames: ['service'], registers });
  // An age, not a count: ClawbackIncidentOpenTooLong judges the oldest open incident (incidents_open > 0 for 30m also
  // fired for two incidents of 20 minutes back to back, and started its 30 minutes again at every daemon restart).
  const oldestOpen = new Gauge({ name: 'clawback_incident_oldest_open_start_time_seconds', help: 'Start time of the oldest incident open on the service, since the Unix epoch, in seconds (absent when none is open).', labelNames: ['service'], registers });
  const ttr = new Histogram({ name: 'clawback_time_to_recover_seconds', help: 'Time from incident opened to resolved.', labelNames: ['service'], buckets: TTR_BUCKETS, registers });
  const starting = new Gauge({ name: 'clawback_service_starting', help: 'Whether the service is in its start-up window (startup.timeout): started, not yet through its first healthy check (1), else 0.', labelNames: ['service'], registers });
  const rss = new Gauge({ name: 'clawback_service_memory_rss_bytes', help: 'Resident memory of the service process tree.', labelNames: ['service'], registers });
  const memLimit = new Gauge({ name: 'clawback_service_memory_limit_bytes', help: 'Configured memory limit of the service.', labelNames: ['service'], registers });
  const breaker = new Gauge({ name: 'clawback_breaker_open', help: 'Crash-loop breaker open (1): restarts stopped until resume.', labelNames: ['service'], registers });
  const emergency = new Counter({ name: 'clawback_emergency_runs_total', help: 'AI emergency agent runs by outcome.', labelNames: ['service', 'adapter', 'outcome'], registers });
  const notifications = new Counter({ name: 'clawback_notifications_total', help: 'Notification delivery attempts by channel and result.', labelNames: ['channel', 'result'], registers });
  const overflow = new Counter({ name: 'clawback_notify_overflow_total', help: 'Alerts a full outbox (notify.outboxLimit) did not keep on their own, by channel: folded into a summary message, or refused ones dropped.', labelNames: ['channel', 'how'], registers });
  const outbox = new Gauge({ name: 'clawback_notify_outbox_depth', help: 'Notifications spooled on disk, not yet delivered.', registers });
  const deadLetters = new Gauge({ name: 'clawback_notify_dead_letters', help: 'Notifications past their retry budget, kept in the dead letters and retried.', labelNames: ['channel'], registers });
  const uncleanEnds = new Counter({ name: 'clawback_daemon_unclean_ends_total', help: 'Previous daemons found at start-up to have ended without shutting down (kill -9, out of memory, a crash that could not say so): daemon.died, or guardian.revived of a dead or hung one.', registers });
  const startTime = new Gauge({ name: 'clawback_daemon_start_time_seconds', help: 'Start time of the clawback daemon since the Unix epoch, in seconds: its counters start from 0 then.', registers });
  const buildInfo = new Gauge({ name: 'clawback_build_info', help: 'Clawback build information.', labelNames: ['version'], registers });
  buildInfo.set({ version: opts.version ?? 'unknown' }, 1);

  new Gauge({
    name: 'clawback_daemon_resident_memory_bytes',
    help: 'Resident memory of the clawback daemon.',
    registers,
    collect() {
      this.set(process.memoryUsage.rss());
    },
  });
  // The daemon's own V8 heap beside its limit: the daemon dies of "JavaScript heap out of memory" at the limit.
  new Gauge({
    name: 'clawback_daemon_heap_used_bytes',
    help: 'V8 old-generation heap in use by the clawback daemon (degraded, reason heap, from 80% of clawback_daemon_heap_limit_bytes).',
    registers,
    collect() {
      this.set(daemonHeap().usedBytes);
    },
  });
  new Gauge({
    name: 'clawback_daemon_heap_limit_bytes',
    help: 'Old-generation heap limit of the clawback daemon (its --max-old-space-size, else V8 heap_size_limit): it dies of heap out of memory there.',
    registers,
    collect() {
      this.set(daemonHeap().limitBytes);
    },
  });
  let lastCpuSeconds = 0;
  new Counter({
    name: 'clawback_daemon_cpu_seconds_total',
    help: 'User and system CPU time of the clawback daemon.',
    registers,
    collect() {
      const u = process.cpuUsage();
      const seconds = (u.user + u.system) / 1e6;
      if (seconds > lastCpuSeconds) this.inc(seconds - lastCpuSeconds);
      lastCpuSeconds = Math.max(lastCpuSeconds, seconds);
    },
  });

  let lagStopped = false;
  new Gauge({
    name: 'clawback_daemon_event_loop_lag_seconds',
    help: 'Worst event-loop lag of the daemon in the last 60 seconds: how late its timers (probe ticks, heartbeat) ran.',
    registers,
    collect() {
      this.set(lagStopped ? 0 : Math.max(0, opts.loopLag?.() ?? 0) / 1000);
    },
  });

  const open = new Map<string, OpenIncident>();
  /** Channels that have notify series, so retainChannels knows what to drop. */
  const channelSeries = new Set<string>();
  /**
   * Services that have per-service gauge series, so retainServices knows what to drop: those set by events count too
   * (a breaker tripped, an incident opened between two scrapes of a since-removed instance stayed exported for ever).
   */
  const gaugedServices = new Set<string>();
  /**
   * Per service: how to remove each label set of its counters and TTR histogram, so retainServices drops them too (a
   * removed service's restarts, incidents and recoveries were exported, and held in memory, for the daemon's life).
   */
  const countedSeries = new Map<string, Map<string, () => void>>();
  const countedFor = <L extends string>(metric: { remove(labels: Partial<Record<L, string | number>>): void }, name: string, labels: Record<L, string> & { service: string }): Record<L, string> => {
    let series = countedSeries.get(labels.service);
    if (!series) countedSeries.set(labels.service, (series = new Map()));
    const key = `${name}${JSON.stringify(labels)}`;
    if (!series.has(key)) series.set(key, () => metric.remove(labels));
    return labels;
  };

  /** Sets, or drops when none is open, the service's oldest-open start time. */
  function showOldest(service: string): void {
    let oldest = Infinity;
    for (const inc of open.values()) if (inc.service === service && inc.openedAt < oldest) oldest = inc.openedAt;
    if (oldest === Infinity) oldestOpen.remove({ service });
    else oldestOpen.set({ service }, oldest / 1000);
  }

  function openIncident(id: string, service: string, level: number, openedAt: number): OpenIncident {
    let inc = open.get(id);
    if (!inc) {
      inc = { service, highestLevel: level, counted: false, openedAt };
      open.set(id, inc);
      incidentsOpen.inc({ service });
      showOldest(service);
      // Its incidents_open series (at 0 once resolved) goes with the service too, scraped as a runtime or not.
      gaugedServices.add(service);
    }
    return inc;
  }

  function onEvent(e: ClawbackEvent): void {
    const service = e.service ?? 'unknown';
    // An event without a service is counted under "unknown", which is never in the config: not a removed service.
    const counted: typeof countedFor = (metric, name, labels) => (e.service === undefined ? labels : countedFor(metric, name, labels));
    switch (e.type) {
      case 'service.restarting': {
        const d = payload(e, 'service.restarting');
        restarts.inc(counted(restarts, 'restarts', { service, level: e.level === undefined ? 'none' : String(e.level), reason: str(d.reason, 'unknown') }));
        break;
      }
      case 'incident.opened':
        if (e.incidentId) openIncident(e.incidentId, service, e.level ?? 0, e.time);
        break;
      case 'incident.level':
        if (e.incidentId && e.level !== undefined) {
          const inc = openIncident(e.incidentId, service, e.level, e.time);
          inc.highestLevel = Math.max(inc.highestLevel, e.level);
        }
        break;
      case 'incident.escalated': {
        if (!e.incidentId) break;
        const inc = openIncident(e.incidentId, service, 4, e.time);
        inc.highestLevel = 4;
        if (!inc.counted) {
          incidents.inc(counted(incidents, 'incidents', { service: inc.service, outcome: 'escalated', highest_level: '4' }));
          inc.counted = true;
        }
        break;
      }
      case 'incident.resolved': {
        const d = payload(e, 'incident.resolved');
        const inc = e.incidentId ? open.get(e.incidentId) : undefined;
        const svc = inc?.service ?? service;
        if (inc && e.incidentId) {
          open.delete(e.incidentId);
          incidentsOpen.dec({ service: svc });
          showOldest(svc);
        }
        if (!inc?.counted) {
          const highest = num(d.highestLevel) ?? inc?.highestLevel ?? e.level ?? 0;
          incidents.inc(counted(incidents, 'incidents', { service: svc, outcome: str(d.outcome, 'auto-resolved'), highest_level: String(highest) }));
        }
        const ttrMs = num(d.ttrMs);
        // Closed by a reload that removed or replaced the service: no recovery to time.
        if (ttrMs !== undefined && ttrMs >= 0 && d.closedBy === undefined) ttr.observe(counted(ttr, 'ttr', { service: svc }), ttrMs / 1000);
        break;
      }
      case 'service.stopped': {
        // A `never` crash kept down is that incident's outcome until a person acts (systemd's "failed"): counted once,
        // as an escalation is. Counted nowhere, incidents_total lacked the word `clawback incidents` and the digest show.
        const inc = e.incidentId && payload(e, 'service.stopped').keptDown !== undefined ? open.get(e.incidentId) : undefined;
        if (inc && !inc.counted) {
          incidents.inc(counted(incidents, 'incidents', { service: inc.service, outcome: 'failed', highest_level: String(inc.highestLevel) }));
          inc.counted = true;
        }
        break;
      }
      case 'breaker.tripped':
        gaugedServices.add(service);
        breaker.set({ service }, 1);
        break;
      case 'daemon.died':
        uncleanEnds.inc();
        break;
      // The guardian found the daemon dead or hung (daemon.json left behind) and says so itself: no daemon.died then.
      case 'guardian.revived':
        if (e.details?.oldPid != null) uncleanEnds.inc();
        break;
      case 'breaker.resumed':
        gaugedServices.add(service);
        breaker.set({ service }, 0);
        break;
      case 'agent.finished': {
        const d = payload(e, 'agent.finished');
        emergency.inc(counted(emergency, 'emergency', { service, adapter: str(d.adapter, 'unknown'), outcome: str(d.outcome, 'unknown') }));
        break;
      }
      case 'memory.warning':
      case 'memory.limit': {
        const bytes = num(payload(e, e.type).rssBytes);
        if (bytes !== undefined) {
          gaugedServices.add(service);
          rss.set({ service }, bytes);
        }
        break;
      }
      default:
        break;
    }
  }

  return {
    registry,
    contentType: registry.contentType,
    onEvent,
    resumeIncident(id, service, level, alreadyCounted, openedAt) {
      const inc = openIncident(id, service, level, openedAt);
      inc.highestLevel = Math.max(inc.highestLevel, level);
      inc.counted ||= alreadyCounted;
    },
    observeProbe(service, probe, kind, result) {
      probes.get(service, probe, kind).observe(result.status, result.latencyMs);
    },
    probeSeries(service, probe, kind) {
      return probes.get(service, probe, kind);
    },
    setServiceGauges(service, g) {
      gaugedServices.add(service);
      serviceUp.set({ service }, g.up ? 1 : 0);
      expectedUp.set({ service }, g.expectedUp === false ? 0 : 1);
      breaker.set({ service }, g.breakerOpen ? 1 : 0);
      starting.set({ service }, g.starting ? 1 : 0);
      if (g.rssBytes !== undefined) rss.set({ service }, g.rssBytes);
      else rss.remove({ service });
      // A limit taken away by a reload (probes change in place) must not stay: the near-limit alert divides by it.
      if (g.memoryLimitBytes !== undefined) memLimit.set({ service }, g.memoryLimitBytes);
      else memLimit.remove({ service });
    },
    retainServices(live) {
      for (const service of gaugedServices) {
        if (live.has(service)) continue;
        for (const g of [serviceUp, expectedUp, breaker, starting, rss, memLimit, incidentsOpen, oldestOpen]) g.remove({ service });
        gaugedServices.delete(service);
      }
      for (const [service, series] of countedSeries) {
        if (live.has(service)) continue;
        for (const remove of series.values()) remove();
        countedSeries.delete(service);
      }
      for (const [id, inc] of open) {
        if (live.has(inc.service)) continue;
        open.delete(id);
        incidentsOpen.remove({ service: inc.service });
        oldestOpen.remove({ service: inc.service });
      }
      probes.retain(live);
    },
    retainChannels(live) {
      for (const channel of channelSeries) {
        if (live.has(channel)) continue;
        deadLetters.remove({ channel });
        for (const result of ['delivered', 'failed']) notifications.remove({ channel, result });
        for (const how of ['folded', 'dropped']) overflow.remove({ channel, how });
        channelSeries.delete(channel);
      }
    },
    setDaemonStartTime(ms) {
      startTime.set(ms / 1000);
    },
    setOutboxDepth(n) {
      outbox.set(Math.max(0, n));
    },
    setDeadLetters(channel, n) {
      channelSeries.add(channel);
      deadLetters.set({ channel }, Math.max(0, n));
    },
    notifierOverflow(channel, how) {
      channelSeries.add(channel);
      overflow.inc({ channel, how });
    },
    notifierDelivery(channel, ok) {
      channelSeries.add(channel);
      notifications.inc({ channel, result: ok ? 'delivered' : 'failed' });
    },
    async render() {
      // prom-client's metrics, then the probe families in the same layout (a blank line between families), joined
      // once into a flat string: the redactor's regular expressions scan it without flattening a concatenation.
      const lines = [await registry.metrics()];
      probes.appendLines(lines);
      lines.push('');
      return lines.join('\n');
    },
    stop() {
      lagStopped = true;
    },
  };
}
