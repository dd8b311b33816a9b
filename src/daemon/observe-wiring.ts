// Observability and alerting plugged into the daemon: metrics, notifier, daemon log, log rotation, incident history.
import { statSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { errnoText, isMissing } from '../platform/errno-words.js';
import type { DaemonPlugin } from './daemon.js';
import type { ServiceRuntime } from './service-runtime.js';
import { createMetrics, type Metrics } from '../observe/metrics.js';
import { createNotifier, type Notifier } from '../notify/dispatcher.js';
import type { NotifyConfig } from '../notify/notify-schema.js';
import type { ClawbackEvent } from '../observe/events.js';
import { createLogger } from '../observe/logger.js';
import { faultLog } from './fault-log.js';
import { FULL_DISK_ROOM, emptyWhenDiskFull, rotateIfLarger, trimFlood } from '../observe/log-rotation.js';
import { outputInode, outputPath, reclaimDeletedLog } from '../observe/deleted-log.js';
import { LogEmptyings } from '../observe/log-emptyings.js';
import { INCIDENT_HISTORY_KEEP, incidentHistory } from '../observe/incident-history.js';
import { limitParam } from '../server/limit-param.js';
import { LIST_TIMELINE_EVENTS } from '../observe/incidents.js';
import { serviceLogFile } from './spawn-spec.js';
import { logWritable } from '../observe/log-writable.js';
import { delayToGrid } from '../platform/clock.js';
import { ApiAnswer } from '../server/api-server.js';
import { VERSION } from '../version.js';
import { releaseShapeText } from '../notify/release-plan.js';
import { strandedText } from '../notify/stranded-text.js';
import { destinationOf } from '../notify/destination.js';
import { adoptersByDestination, mayAdopt } from '../notify/spool-adopt.js';
import { toldByGuardian } from '../notify/journal-catch-up.js';
import { readOutboxOnDisk } from '../notify/outbox-on-disk.js';

/** One metrics registry per daemon, created on first use (the health watches feed it probe results). */
export class MetricsHolder {
  private metrics: Metrics | undefined;
  private loopLag: (() => number) | undefined;

  get(): Metrics {
    this.metrics ??= createMetrics({ version: VERSION, loopLag: () => this.loopLag?.() ?? 0 });
    return this.metrics;
  }

  /** The daemon's timer lateness, read by the event-loop lag gauge at each scrape. */
  watchLoopLag(source: (() => number) | undefined): void {
    this.loopLag = source;
  }

  stop(): void {
    this.metrics?.stop();
    this.metrics = undefined;
  }
}

function memoryLimitOf(rt: ServiceRuntime): number | undefined {
  const probe = rt.config.probes.find((p) => p.kind === 'memory') as { limit?: number } | undefined;
  return probe?.limit;
}

/** emptyings: where the daemon counts its own emptyings of each service log (the log probes read it); one of its own otherwise. */
export function observePlugin(holder: MetricsHolder, opts: { rotateEveryMs?: number; emptyings?: LogEmptyings } = {}): DaemonPlugin {
  const emptyings = opts.emptyings ?? new LogEmptyings();
  return {
    name: 'observe',
    init(ctx, daemon) {
      holder.watchLoopLag(ctx.loopLag);
      const metrics = holder.get();
      metrics.setDaemonStartTime(daemon.startedAt);
      const logger = createLogger({ file: path.join(ctx.stateDir, 'logs', 'daemon.log'), redactor: ctx.redactor, level: ctx.config.logLevel, clock: ctx.clock });
      const logError = logger.destination.lastError;
      if (logError) {
        // Said once: the daemon supervises all the same, and each later line tries the file again.
        ctx.emit({ type: 'daemon.fault', time: ctx.clock.now(), severity: 'warning', message: `clawback's own log cannot be written (${logError.message}); supervision continues without it`, details: { effect: 'daemon-log', error: logError.message } });
      }
      let notifier: Notifier | undefined;
      let notifyConfig = ctx.config.notify;
      const buildNotifier = (notify: NotifyConfig, replaces?: Notifier): Notifier | undefined => {
        if (notify.channels.length === 0) {
          // No channel, no spool left to fail: a reload that removed every channel must not leave alert-spool set for good.
          daemon.faults.ok('alert-spool');
          // Alerts a removed channel left on disk are still evidence: a notifier with no channel keeps them as stranded
          // (status, /metrics, `notify discard`, sent when a channel of that name comes back). Without one they were
          // said once by the reload and then shown nowhere. Nothing on disk: no notifier (nothing written either).
          if (readOutboxOnDisk(ctx.stateDir, ctx.clock.now()).length === 0) return undefined;
        }
        const built = createNotifier(notify, {
          ...(replaces ? { replaces } : {}),
          stateDir: ctx.stateDir,
          journalFile: path.join(ctx.stateDir, 'journal.jsonl'),
          clock: ctx.clock,
          redactor: ctx.redactor,
          log: (msg, extra) => logger.info({ component: 'notify', ...(extra ?? {}) }, msg),
          warn: (msg, extra) => logger.warn({ component: 'notify', ...(extra ?? {}) }, msg),
          onAttempt: (channel, ok) => metrics.notifierDelivery(channel, ok),
          onOverflow: (channel, how) => metrics.notifierOverflow(channel, how),
          emit: (e) => ctx.emit(e),
          onSpoolFault: (err) => daemon.faults.failed('alert-spool', err),
          onSpoolWritten: () => daemon.faults.ok('alert-spool'),
        });
        for (const ch of notify.channels) metrics.setDeadLetters(ch.name, 0);
        // Incidents still open (from before this daemon started, or before a reload) keep their reminders.
        for (const rt of daemon.runtimes.values()) {
          const inc = rt.currentIncident();
          if (!inc) continue;
          const waiting = inc.status === 'waiting-human';
          built.remember({
            type: waiting ? 'incident.escalated' : 'incident.opened',
            time: inc.openedAt,
            severity: waiting ? 'critical' : 'warning',
            service: rt.name,
            incidentId: inc.id,
            level: inc.level,
            message: `${rt.name}: incident ${inc.id} still open (level ${inc.level}): ${inc.reason}`,
          });
        }
        return built;
      };
      notifier = buildNotifier(notifyConfig);
      // Incidents still open from before this daemon started count in incidents_open.
      for (const rt of daemon.runtimes.values()) {
        const inc = rt.currentIncident();
        // Counted already in incidents_total: at its escalation, or when its `never` crash was kept down.
        if (inc) metrics.resumeIncident(inc.id, rt.name, inc.level, inc.status === 'waiting-human' || rt.status().keptDown === 'never', inc.openedAt);
      }
      /** Events published while a reload swaps the notifier: given to the new one, in order. */
      let swapping: ClawbackEvent[] | undefined;
      // A reload's `notify:` is applied here: the old notifier stops (its spools stay on disk, as at a daemon stop) and
      // the new one reads them; a channel that is gone keeps its spool as stranded (said in the status, flushable back).
      daemon.onNotifyReload = async (next) => {
        if (JSON.stringify(next) === JSON.stringify(notifyConfig) || stopped) return '';
        const was = new Set(notifyConfig.channels.map((c) => c.name));
        const now = new Set(next.channels.map((c) => c.name));
        const old = notifier;
        const oldChannels = notifyConfig.channels;
        swapping = [];
        // What the old channels had not sent: with no channel left no notifier reads their spools back (they stay on
        // disk), and the reload said "nothing was waiting to be sent" over 34 dead letters.
        const unsent = old?.undelivered() ?? {};
        try {
          if (old) await old.stop();
        } finally {
          notifyConfig = next;
          notifier = buildNotifier(next, old);
          const held = swapping;
          swapping = undefined;
          for (const e of held) if (!toldByGuardian(e)) notifier?.publish(e);
        }
        // A channel whose name changed but not its destination (`webhook` became `webhook-1`): renamed, its spool went along.
        const adopters = adoptersByDestination(next.channels.filter((c) => c.enabled).map((c) => ({ name: c.name, cfg: c })));
        const renamed = new Map<string, string>();
        for (const c of oldChannels) {
          const to = now.has(c.name) ? undefined : adopters.get(destinationOf(c));
          if (to !== undefined && mayAdopt(c.name, to) && !was.has(to.name) && ![...renamed.values()].includes(to.name)) renamed.set(c.name, to.name);
        }
        const added = [...now].filter((n) => !was.has(n) && ![...renamed.values()].includes(n));
        const removed = [...was].filter((n) => !now.has(n) && !renamed.has(n));
        const parts = [`notify channels applied (${next.channels.length} now${added.length ? `; added: ${added.join(', ')}` : ''})`];
        if (renamed.size > 0) parts.push(`renamed: ${[...renamed].map(([from, to]) => `${from} → ${to}`).join(', ')} (same destination: unsent alerts go with it)`);
        if (removed.length > 0) {
          const stranded = notifier ? notifier.stranded() : Object.fromEntries(Object.entries(unsent).map(([n, u]) => [n, u.pending]));
          const kept = removed.filter((n) => (stranded[n] ?? 0) > 0).map((n) => `${n} (${stranded[n]})`);
          const where = next.channels.length > 0 ? 'kept on disk as stranded' : 'kept on disk, not sent while no channel is configured';
          parts.push(`removed: ${removed.join(', ')}${kept.length ? `, their unsent alerts ${where}: ${kept.join(', ')}` : ', nothing was waiting to be sent'}`);
        }
        return parts.join('; ');
      };
      const unsubscribe = ctx.bus.subscribe((e) => {
        metrics.onEvent(e);
        // The guardian told the channels itself (the daemon was down) and queued the event for the journal only.
        if (swapping) swapping.push(e);
        else if (!toldByGuardian(e)) notifier?.publish(e);
        const { message, ...fields } = e;
        logger.info({ event: fields }, message);
      });

      const updateGauges = (): void => {
        // A service mid-reload (in the config, its runtime being replaced) keeps its series; its probes are not known now.
        const live = new Map<string, Array<{ name: string; kind: string }> | undefined>(ctx.config.services.map((s) => [s.name, undefined]));
        for (const rt of daemon.runtimes.values()) {
          const s = rt.status();
          live.set(rt.name, s.probes);
          // Only while a process runs: a stopped or held service's last reading stayed for ever (a "near its limit" alert with it).
          const rss = s.pid != null ? s.probes.find((p) => p.kind === 'memory')?.lastResult?.value : undefined;
          const limit = memoryLimitOf(rt);
          metrics.setServiceGauges(rt.name, {
            up: s.state === 'running' && s.health !== 'unhealthy',
            expectedUp: rt.persisted().desired === 'up' && !rt.persisted().keptDown,
            // Restarts stopped until a person resumes; not a hold for a repair in flight (Clawback is at work, and a resume would cancel it).
            breakerOpen: s.held !== null && s.held.reason !== 'repair',
            starting: s.startup !== undefined,
            ...(rss !== undefined ? { rssBytes: rss } : {}),
            ...(limit !== undefined ? { memoryLimitBytes: limit } : {}),
          });
        }
        // Services removed by a reload or a scale-down (and probes removed from a changed service) stop being reported.
        metrics.retainServices(live);
        // Channels a reload removed (and, with no notifier left, all of them) stop being reported: their last figures
        // stayed frozen (outbox depth 23, dead letters 23), firing the undelivered-alert rules for ever.
        // A removed channel's kept alerts all discarded (no longer listed by the notifier) leave nothing to report: its series
        // stayed at `dead_letters{channel="hookA"} 0` for ever; a configured channel keeps its series (its dead letters).
        const kept = Object.entries(notifier?.stranded() ?? {}).filter(([, n]) => n > 0);
        const backlog = notifier ? { ...notifier.deadLetters(), ...Object.fromEntries(kept) } : {};
        metrics.setOutboxDepth(notifier?.outboxDepth() ?? 0);
        for (const [channel, n] of Object.entries(backlog)) metrics.setDeadLetters(channel, n);
        metrics.retainChannels(new Set(Object.keys(backlog)));
      };

      let stopped = false;
      let rotateTimer: { cancel(): void } | undefined;
      let trimTimer: { cancel(): void } | undefined;
      // Services whose output outruns the rotation, and the bytes dropped since it was reported.
      const flooding = new Map<string, number>();
      /** Flooding services whose log was trimmed since their last rotation pass: the flood goes on. */
      const trimmed = new Set<string>();
      const logWarn = (service: string, err: unknown, what: string): void => logger.warn({ component: 'logs', service, err }, `${service}: ${what} failed: ${(err as Error).message}`);
      const dropped = (s: (typeof ctx.config.services)[number], bytes: number, noRoom = false): void => {
        const file = path.basename(serviceLogFile(s, ctx.stateDir));
        if (!flooding.has(s.name)) {
          // Told once per flood (again after a rotation pass that dropped nothing): the journal must not flood too.
          const message = noRoom
            ? `${s.name}: the disk has no room to rotate its log: ${bytes} bytes dropped from ${file} (marked in the file) to free space; it is emptied again whenever the disk is full`
            : `${s.name}: its output outruns the log rotation: ${bytes} bytes dropped from ${file} (marked in the file); its logs are kept to about ${s.logs.maxBytes} bytes a generation while it lasts`;
          logger.warn({ component: 'logs', service: s.name, dropped: bytes }, message);
          ctx.emit({ type: 'daemon.housekeeping', time: ctx.clock.now(), severity: 'warning', service: s.name, message, details: { removed: [`${bytes} bytes of ${file}`] } });
        }
        flooding.set(s.name, (flooding.get(s.name) ?? 0) + bytes);
        armTrim();
      };
      // The file each running instance writes its output to (pid and inode, read once per instance from /proc).
      const outputs = new Map<string, { pid: number; ino: number | null; told: boolean; movedTold?: boolean }>();
      /**
       * A log moved away under its running instance (mv, logrotate without copytruncate): the instance still writes to the
       * moved file, which `clawback logs` no longer shows and the rotation no longer bounds; nothing said, the output
       * looked stopped. Said once per instance (the file is the person's now: left as it is).
       */
      const tellMoved = async (s: (typeof ctx.config.services)[number], file: string, out: { pid: number; movedTold?: boolean }): Promise<void> => {
        const to = await outputPath(out.pid);
        if (to === undefined || to === path.resolve(file) || to.endsWith(' (deleted)')) return;
        // A pipe (the log helper holds its output) stays one for this instance: not asked again.
        out.movedTold = true;
        if (!path.isAbsolute(to)) return;
        const message = `${s.name}: ${path.basename(file)} was moved or replaced while ${s.name} (pid ${out.pid}) wrote to it: its output still goes to ${to}, which clawback logs does not show and logs.maxBytes does not bound, until its next restart (rotate it with copytruncate, or leave the rotation to clawback)`;
        logger.warn({ component: 'logs', service: s.name, pid: out.pid, writesTo: to }, message);
        ctx.emit({ type: 'daemon.housekeeping', time: ctx.clock.now(), severity: 'warning', service: s.name, message, details: { writesTo: to } });
      };
      /** A log deleted under its running instance: the output it wrote there is moved back, and that is said once. */
      const reclaimOne = async (s: (typeof ctx.config.services)[number], file: string, ino: number | null): Promise<boolean> => {
        const pid = s.external || s.logs.redact ? undefined : daemon.runtimes.get(s.name)?.current()?.pid;
        if (pid === undefined) return outputs.delete(s.name) && false;
        let out = outputs.get(s.name);
        if (out?.pid !== pid) outputs.set(s.name, (out = { pid, ino: outputInode(pid), told: false }));
        if (out.ino === null || out.ino === ino) return false;
        const r = await reclaimDeletedLog(pid, file, s.logs.maxBytes).catch((err: unknown) => (logWarn(s.name, err, 'moving the output of a deleted log back'), undefined));
        if (!r) {
          if (!out.movedTold) await tellMoved(s, file, out);
          return false;
        }
        if (!out.told) {
          out.told = true;
          const message = `${s.name}: ${path.basename(file)} was deleted while ${s.name} (pid ${pid}) wrote to it; its output is moved back into ${file} at each rotation check until its next restart (${r.moved} bytes moved${r.dropped > 0 ? `, ${r.dropped} older bytes dropped` : ''})`;
          logger.warn({ component: 'logs', service: s.name, pid, moved: r.moved, dropped: r.dropped }, message);
          ctx.emit({ type: 'daemon.housekeeping', time: ctx.clock.now(), severity: 'warning', service: s.name, message, details: { ...(r.dropped > 0 ? { removed: [`${r.dropped} bytes of the deleted ${path.basename(file)}`] } : {}) } });
        }
        return true;
      };
      type LogOnDisk = { s: (typeof ctx.config.services)[number]; file: string; size: number };
      const rotateOne = async (s: (typeof ctx.config.services)[number], underCap: LogOnDisk[] = []): Promise<void> => {
        let lost = 0;
        let noRoom = false;
        const file = serviceLogFile(s, ctx.stateDir);
        // The size first, synchronously: a stat of a local file is ~6 µs on the main thread against ~23 µs through the
        // thread pool, and it runs for every service every 2 s (1000 services: 500 a second).
        const st = statLog(file);
        const size = (await reclaimOne(s, file, st?.ino ?? null)) ? statLog(file)?.size : st?.size;
        if (size === undefined || size > s.logs.maxBytes) {
          // Every rotation empties the live file (copy-truncate, keep 0, no room for the copy): counted for the log probes.
          await emptyings
            .around(file, () => rotateIfLarger(file, s.logs.maxBytes, s.logs.keep, { onDropped: (n, full) => ((lost = n), (noRoom = full === true)) }), (rotated) => rotated)
            .catch((err: unknown) => logWarn(s.name, err, 'log rotation'));
        } else if (size >= FULL_DISK_ROOM) underCap.push({ s, file, size });
        if (lost > 0) dropped(s, lost, noRoom);
        else if (trimmed.delete(s.name)) return;
        else if (flooding.has(s.name)) {
          logger.info({ component: 'logs', service: s.name, dropped: flooding.get(s.name) }, `${s.name}: its output no longer outruns the log rotation (${flooding.get(s.name)} bytes dropped in all)`);
          flooding.delete(s.name);
        }
      };
      /**
       * A full disk whose logs are all under their maxBytes (a small state volume) is never freed by rotation: the
       * largest log there is emptied (marked, warned), one a pass per directory, so one statfs a pass and a quiet
       * service's log is kept while a larger one frees the room.
       */
      const emptyLargestOnFullDisk = async (logs: LogOnDisk[]): Promise<void> => {
        const largest = new Map<string, LogOnDisk>();
        for (const l of logs) {
          const dir = path.dirname(l.file);
          if ((largest.get(dir)?.size ?? -1) < l.size) largest.set(dir, l);
        }
        for (const { s, file } of largest.values()) {
          const lost = await emptyings.around(file, () => emptyWhenDiskFull(file, s.logs.maxBytes), (n) => n > 0).catch((err: unknown) => (logWarn(s.name, err, 'emptying a log on a full disk'), 0));
          if (lost > 0) dropped(s, lost, true);
        }
      };
      /**
       * Instances started while their log could not be opened have their output held by the log helper, which writes it
       * as soon as the file takes it: once every such log can be written (or its instance is gone), service-log clears.
       */
      const checkBlockedLogs = (): void => {
        if (!daemon.faults.isDegraded('service-log')) return;
        let still = 0;
        for (const s of ctx.config.services) {
          const rt = daemon.runtimes.get(s.name);
          if (rt?.logBlockedNow() === undefined) continue;
          if (logWritable(serviceLogFile(s, ctx.stateDir))) rt.logWritable();
          else still++;
        }
        if (still === 0) daemon.faults.ok('service-log', { 'output lost meanwhile': 'said by a [clawback] line in each log' });
      };
      /** Services whose rotation runs now: a check the log's growth asked for waits for it, never runs beside it. */
      const rotating = new Set<string>();
      const rotateAlone = async (s: (typeof ctx.config.services)[number], underCap?: LogOnDisk[]): Promise<void> => {
        if (rotating.has(s.name)) return;
        rotating.add(s.name);
        try {
          await rotateOne(s, underCap);
        } finally {
          rotating.delete(s.name);
        }
      };
      /**
       * A service writes its log itself (the file is its stdout): the daemon never sees those bytes, and at 10 MiB/s the
       * 2 s pass found 13-26 MB in a 64 KiB log. One inotify watch per log directory tells of each write; the log it
       * names is looked at LOG_GROWTH_CHECK_MS later (one check per service in flight) and rotated past maxBytes.
       * At rest nothing runs; a service writing a line now and then costs one stat per write.
       */
      const watchers = new Map<string, FSWatcher>();
      const watchedLogs = new Map<string, (typeof ctx.config.services)[number]>();
      const growthChecks = new Map<string, { cancel(): void }>();
      const grew = (s: (typeof ctx.config.services)[number]): void => {
        if (stopped || growthChecks.has(s.name)) return;
        growthChecks.set(
          s.name,
          ctx.clock.setTimeout(() => {
            growthChecks.delete(s.name);
            if (stopped || (statLog(serviceLogFile(s, ctx.stateDir))?.size ?? 0) <= s.logs.maxBytes) return;
            void rotateAlone(s);
          }, LOG_GROWTH_CHECK_MS),
        );
      };
      /**
       * Directories whose watch was refused (inotify limit, permission), said once each in the daemon log: their logs
       * were checked every 2 s only, in silence, and a fast writer took them past maxBytes between two checks. Said
       * again only after a watch there worked meanwhile.
       */
      const unwatched = new Set<string>();
      const watchRefused = (dir: string, err: unknown): void => {
        // Not there yet (no service has written) or removed: nothing to say, it is watched once it is there.
        if (isMissing(err) || unwatched.has(dir) || stopped) return;
        unwatched.add(dir);
        const names = [...watchedLogs.entries()].filter(([f]) => path.dirname(f) === dir).map(([, s]) => s.name);
        logger.warn({ component: 'logs', dir, services: names, err }, unwatchedLogDirText(dir, names, err));
      };
      const watchLogs = (): void => {
        watchedLogs.clear();
        for (const s of ctx.config.services) watchedLogs.set(path.resolve(serviceLogFile(s, ctx.stateDir)), s);
        const dirs = new Set([...watchedLogs.keys()].map((f) => path.dirname(f)));
        for (const [dir, w] of watchers) if (!dirs.has(dir)) (w.close(), watchers.delete(dir));
        for (const dir of unwatched) if (!dirs.has(dir)) unwatched.delete(dir);
        for (const dir of dirs) {
          if (watchers.has(dir)) continue;
          try {
            const w = watch(dir, { persistent: false }, (_event, name) => {
              const s = name ? watchedLogs.get(path.join(dir, name.toString())) : undefined;
              if (s) grew(s);
            });
            // A directory removed or unwatchable (inotify limit): the 2 s pass still rotates; watched again at a later pass.
            w.on('error', (err) => (w.close(), watchers.delete(dir), watchRefused(dir, err)));
            watchers.set(dir, w);
            unwatched.delete(dir);
          } catch (err) {
            // No inotify watch left, or refused: the 2 s pass still rotates, and the daemon log says so once.
            watchRefused(dir, err);
          }
        }
      };
      // A stat per service every 2 s: a service writing at full speed is caught within seconds, not after gigabytes.
      const rotateLoop = (): void => {
        if (stopped) return;
        rotateTimer = ctx.clock.setTimeout(() => {
          if (outputs.size > 0) {
            // Removed by a reload. One set per pass: a search of the list per entry was O(n²), 10^6 compares every 2 s at 1000 services.
            const names = new Set(ctx.config.services.map((s) => s.name));
            for (const name of outputs.keys()) if (!names.has(name)) outputs.delete(name);
          }
          watchLogs();
          const underCap: LogOnDisk[] = [];
          void Promise.all(ctx.config.services.map((s) => rotateAlone(s, underCap)))
            .then(() => emptyLargestOnFullDisk(underCap))
            .then(checkBlockedLogs)
            .finally(rotateLoop);
        }, opts.rotateEveryMs ?? delayToGrid(ctx.clock, 2000));
      };
      // While a service floods, its log is emptied every 100 ms past the cap (no copy), between the 2 s rotations.
      const armTrim = (): void => {
        if (stopped || trimTimer || flooding.size === 0) return;
        trimTimer = ctx.clock.setTimeout(() => {
          const busy = ctx.config.services.filter((s) => flooding.has(s.name));
          const busyNames = new Set(busy.map((s) => s.name));
          for (const name of flooding.keys()) if (!busyNames.has(name)) flooding.delete(name); // removed by a reload
          void Promise.all(
            busy.map(async (s) => {
              const file = serviceLogFile(s, ctx.stateDir);
              // A flood on a disk smaller than the cap fills it long before the cap: emptied as soon as it is full.
              const n = await emptyings
                .around(file, async () => (await trimFlood(file, s.logs.maxBytes)) || (await emptyWhenDiskFull(file, s.logs.maxBytes)), (n) => n > 0)
                .catch((err: unknown) => (logWarn(s.name, err, 'trimming a flooded log'), 0));
              if (n === 0) return;
              flooding.set(s.name, (flooding.get(s.name) ?? 0) + n);
              trimmed.add(s.name);
            }),
          ).finally(() => {
            trimTimer = undefined;
            armTrim();
          });
        }, 100);
      };
      watchLogs();
      rotateLoop();

      const journalFile = path.join(ctx.stateDir, 'journal.jsonl');
      const history = incidentHistory(journalFile);
      const knownChannel = (name: string | null): string | undefined => {
        if (name === null || name === '') return undefined;
        if (!ctx.config.notify.channels.some((c) => c.name === name) && !(notifier && name in notifier.stranded())) {
          throw new Error(`no notification channel named "${name}" (configured: ${ctx.config.notify.channels.map((c) => c.name).join(', ') || 'none'})`);
        }
        return name;
      };
      return {
        status: () => ({
          notify: {
            channels: ctx.config.notify.channels.map((c) => ({ name: c.name, type: c.type, mode: c.mode, enabled: c.enabled })),
            outboxDepth: notifier?.outboxDepth() ?? 0,
            deadLetters: notifier?.deadLetters() ?? {},
            overflowed: notifier?.overflowed() ?? {},
            unreachable: notifier?.unreachable() ?? {},
            rateLimited: notifier?.rateLimited() ?? {},
            failing: notifier?.failing() ?? {},
            stranded: notifier?.stranded() ?? {},
            strandedWhy: notifier?.strandedWhy() ?? {},
          },
        }),
        post: async (p, q) => {
          const m = /^\/api\/notify\/(flush|discard|release)$/.exec(p);
          if (!m) return undefined;
          if (!notifier) return { status: 409, body: { ok: false, message: 'no notification channels configured' } };
          let channel: string | undefined;
          try {
            channel = knownChannel(q.get('channel'));
          } catch (err) {
            return { status: 404, body: { ok: false, message: (err as Error).message } };
          }
          const held = channel !== undefined ? notifier.stranded()[channel] : undefined;
          const sends = channel !== undefined && ctx.config.notify.channels.some((c) => c.name === channel && c.enabled);
          if (m[1] === 'release') {
            // Only a person, naming one channel: its alerts queued for another destination go where it sends now.
            if (channel === undefined) return { status: 400, body: { ok: false, message: 'channel: missing; expected the name of the channel whose kept alerts go to its current destination' } };
            const shape = notifier.releaseStranded(channel);
            if (shape === undefined) return { status: 409, body: { ok: false, message: `"${channel}" is not a configured, enabled channel: its ${held ?? 0} kept alert(s) cannot be sent; configure (or enable) it, or discard them` } };
            const n = shape.alerts;
            const how = n > 0 ? `: ${releaseShapeText(shape)}` : '';
            return { status: 200, body: { ok: true, message: `${n} kept alert(s) of ${channel} released to its current destination${how}`, count: n, posts: shape.posts, edits: shape.edits, folded: shape.folded, deadLetters: notifier.deadLetters() } };
          }
          if (m[1] === 'flush' && held !== undefined && !sends) {
            return { status: 409, body: { ok: false, message: `${held} alert(s) are kept for "${channel}", which is not a configured, enabled channel: they cannot be sent; configure (or enable) a channel named "${channel}", or discard them` } };
          }
          const n = m[1] === 'flush' ? notifier.retryDeadLetters(channel) : notifier.discardDeadLetters(channel);
          const where = channel ?? 'every channel';
          // A channel that sends elsewhere now keeps the alerts queued for its old destination: flush does not send them.
          const kept = m[1] === 'flush' && held ? `; ${held} alert(s) kept for ${where} were queued for another destination and stay kept: \`clawback notify release ${where}\` sends them where it sends now, \`clawback notify discard ${where}\` drops them` : '';
          // A flush of every channel leaves the kept (stranded) alerts where they are: "0 ... retried" alone read as "nothing held".
          const why = notifier.strandedWhy();
          const keptAll =
            m[1] === 'flush' && channel === undefined
              ? Object.entries(notifier.stranded())
                  .filter(([, count]) => count > 0)
                  .map(([name, count]) => `; not retried: ${strandedText(name, count, why[name] ?? 'removed')}`)
                  .join('')
              : '';
          const message = m[1] === 'flush' ? `${n} undelivered alert(s) for ${where} are being retried now${kept}${keptAll}` : `${n} undelivered alert(s) for ${where} discarded`;
          return { status: 200, body: { ok: true, message, count: n, deadLetters: notifier.deadLetters() } };
        },
        metrics: async () => {
          updateGauges();
          return metrics.render();
        },
        extra: async (p, q) => {
          if (p === '/api/incidents') {
            // A whole number from 1 to 500, else a 400 that says so (a negative one was a slice from the end: every incident).
            const limit = limitParam(q, { default: 50, max: INCIDENT_HISTORY_KEEP });
            if (typeof limit !== 'number') return limit;
            // Each timeline cut to its newest events by default (?timeline=N for another count, ?timeline=full for the
            // whole); the whole one of an incident is /api/incidents/ID.
            const full = q.get('timeline') === 'full';
            const keep = full ? Infinity : limitParam(q, { default: LIST_TIMELINE_EVENTS, max: 10_000, name: 'timeline' });
            if (typeof keep !== 'number') {
              return new ApiAnswer(400, { error: `timeline: expected "full" or a whole number from 1 to 10000 (default ${LIST_TIMELINE_EVENTS}), got ${JSON.stringify((q.get('timeline') ?? '').slice(0, 100))}` });
            }
            return [...(await history.list(full ? Infinity : keep))].reverse().slice(0, limit);
          }
          const m = /^\/api\/incidents\/([\w-]+)$/.exec(p);
          if (m) {
            const found = await history.incident(m[1]!);
            return found ?? new ApiAnswer(404, { error: `no incident ${m[1]}` });
          }
          return undefined;
        },
        stop: async () => {
          stopped = true;
          daemon.onNotifyReload = undefined;
          rotateTimer?.cancel();
          trimTimer?.cancel();
          for (const w of watchers.values()) w.close();
          watchers.clear();
          for (const t of growthChecks.values()) t.cancel();
          growthChecks.clear();
          unsubscribe();
          if (notifier) {
            // The exit waits for undelivered alerts (up to the flush, then the spool's disk writes): said, not silent.
            // Alerts kept for a removed, disabled or moved channel are never sent by a flush: the stop counted them as
            // waited for ("waiting up to 5 s for 24", 23 of them hookA's) and as "sent at the next start". Said apart.
            const strandedNow = Object.entries(notifier.stranded()).filter(([, n]) => n > 0);
            const strandedAll = strandedNow.reduce((sum, [, n]) => sum + n, 0);
            const waiting = notifier.outboxDepth() - strandedAll;
            if (strandedAll > 0) {
              const why = notifier.strandedWhy();
              faultLog({ stateDir: ctx.stateDir, redactor: ctx.redactor, clock: ctx.clock })(
                'warn',
                { component: 'notify', stranded: Object.fromEntries(strandedNow) },
                `shutdown: not waited for (kept on disk, not sent by a restart alone): ${strandedNow.map(([name, n]) => strandedText(name, n, why[name] ?? 'removed')).join('; ')}`,
              );
            }
            if (waiting > 0) {
              const down = Object.entries(notifier.unreachable()).map(([name, u]) => `${name} unreachable: ${u.reason || 'no answer'}`);
              // A channel rate-limited past the wait sends nothing in it: not waited for (its alerts go at the next start).
              const now = ctx.clock.now();
              for (const [name, r] of Object.entries(notifier.rateLimited())) {
                if (r.pending > 0 && r.until - now > SHUTDOWN_FLUSH_MS) down.push(`${name} rate-limited for ${Math.ceil((r.until - now) / 1000)} s more: not waited for`);
              }
              faultLog({ stateDir: ctx.stateDir, redactor: ctx.redactor, clock: ctx.clock })(
                'warn',
                { component: 'notify', pending: waiting, flushMs: SHUTDOWN_FLUSH_MS },
                `shutdown: waiting up to ${SHUTDOWN_FLUSH_MS / 1000} s for ${waiting} alert(s) not yet delivered${down.length ? ` (${down.join('; ')})` : ''}, then for their spool's disk writes; those not sent stay on disk and go at the next start`,
              );
            }
            await notifier.flush(SHUTDOWN_FLUSH_MS).catch(() => undefined);
            // What the wait left is said too, per channel and why: the line above only said what the stop began with.
            const keptLeft = notifier.stranded();
            const left = notifier.undelivered();
            await notifier.stop();
            // The kept (stranded) ones were said above: they are not sent at the next start.
            const leftList = Object.entries(left)
              .map(([name, l]): [string, { pending: number; why: string }] => [name, { pending: l.pending - (keptLeft[name] ?? 0), why: l.why }])
              .filter(([, l]) => l.pending > 0);
            if (leftList.length > 0) {
              const total = leftList.reduce((n, [, l]) => n + l.pending, 0);
              faultLog({ stateDir: ctx.stateDir, redactor: ctx.redactor, clock: ctx.clock })(
                'warn',
                { component: 'notify', undelivered: Object.fromEntries(leftList.map(([name, l]) => [name, l.pending])) },
                `shutdown: ${total} alert(s) left undelivered, kept on disk and sent at the next start: ${leftList.map(([name, l]) => `${name} ${l.pending} (${l.why})`).join('; ')}`,
              );
            }
          }
          holder.stop();
          logger.close();
        },
      };
    },
  };
}

/** How long a stop waits for undelivered alerts before it leaves them spooled for the next start. */
const SHUTDOWN_FLUSH_MS = 5000;

/** How long after a write to a service's log its size is looked at (writes meanwhile ride along): 25 ms is 256 KiB at 10 MiB/s. */
const LOG_GROWTH_CHECK_MS = 25;

/**
 * What a refused watch of a log directory means (pure): the cause (the inotify limits are named, ENOSPC there is no
 * full disk) and that the logs there are bounded only by the 2 s pass, so a fast writer outruns logs.maxBytes.
 */
export function unwatchedLogDirText(dir: string, services: string[], err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const cause =
    code === 'ENOSPC'
      ? 'the inotify watch limit is reached (ENOSPC; raise fs.inotify.max_user_watches)'
      : code === 'EMFILE'
        ? 'the inotify instance limit is reached (EMFILE; raise fs.inotify.max_user_instances)'
        : errnoText(err);
  const whose = services.length > 0 ? ` (${services.join(', ')})` : '';
  return `cannot watch ${dir} for log writes: ${cause}: the logs there${whose} are checked every 2 s instead of at each write, so a service writing fast can take its log well past logs.maxBytes between two checks; watched again as soon as a watch is possible`;
}

/** A file's size and inode (size 0 and no inode when it is missing), or undefined when it cannot be read (the rotation then reports why). */
function statLog(file: string): { size: number; ino: number | null } | undefined {
  try {
    const st = statSync(file, { throwIfNoEntry: false });
    return st ? { size: st.size, ino: st.ino } : { size: 0, ino: null };
  } catch {
    return undefined;
  }
}
