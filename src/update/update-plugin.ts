// The daemon's side of `clawback update`: POST /api/update/:name starts a run (or returns the plan), GET follows it.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { DaemonPlugin } from '../daemon/daemon.js';
import type { ServiceRuntime } from '../daemon/service-runtime.js';
import type { ServiceConfig } from '../config/schema.js';
import { spawnRunner } from '../doctor/command-runner.js';
import type { CommandRunner } from '../doctor/types.js';
import { checkVersionName } from './version-store.js';
import { holdBlocker } from './update-plan.js';
import { latestVersion, runUpdate, type StepRecord, type UpdateDeps, type UpdateReport } from './run-update.js';
import { groupOf, inFlightFile, readInFlight, recordsCovering } from './update-in-flight.js';
import { fileStamp } from '../platform/file-stamp.js';
import { resumeInterruptedUpdate } from './resume-update.js';

export interface UpdateRunView {
  runId: string;
  service: string;
  /** null while the latest version is looked up (`clawback update NAME` without a version). */
  to: string | null;
  startedAt: number;
  running: boolean;
  steps: StepRecord[];
  report: UpdateReport | null;
}

export interface UpdatePluginOptions {
  runner?: CommandRunner;
  /** Overrides for tests (readiness check, poll interval). */
  deps?: Partial<Pick<UpdateDeps, 'ready' | 'pollMs'>>;
}

function newRunId(now: number): string {
  return `upd-${new Date(now).toISOString().slice(0, 10).replace(/-/g, '')}-${randomBytes(3).toString('hex')}`;
}

export function updatePlugin(opts: UpdatePluginOptions = {}): DaemonPlugin {
  return {
    name: 'update',
    init(ctx, daemon) {
      const runner = opts.runner ?? spawnRunner({ clock: ctx.clock });
      const runs = new Map<string, UpdateRunView>();
      const inFlight = new Map<string, { abort: AbortController; done: Promise<void>; what: string; resume?: true }>();
      // Services held for an unreadable record: once a person has started it again (the hold lifts only by a person), the
      // record is moved aside as evidence, named, or every later start and reload held it again for the same record.
      const unreadable = new Set<string>();
      /** A service's in-flight record, or why it cannot be read (held for a person then, never started on it). */
      const readRecord = (name: string) => readInFlight(ctx.stateDir, name).catch((err: unknown) => ({ error: (err as Error).message }));
      // Units held for a group record no supervised unit owns (owner -> the records): once a person has started the unit
      // again (they checked its version and files, as the hold asked), those records are moved aside as evidence, named,
      // or every later boot, reload or scale held the group again for the same record until removed by hand.
      const orphaned = new Map<string, string[]>();
      const setAsideOrphans = async (name: string): Promise<void> => {
        const owners = orphaned.get(name) ?? [];
        orphaned.delete(name);
        for (const owner of owners) {
          // Owned again meanwhile (a reload brought its unit back) or being finished: not an orphan any more.
          if (daemon.runtimes.has(owner) || inFlight.has(owner)) continue;
          const file = inFlightFile(ctx.stateDir, owner);
          if (!(await readRecord(owner))) continue;
          const aside = `${file}.orphan-${fileStamp(ctx.clock.now())}-${randomBytes(2).toString('hex')}`;
          try {
            await fs.rename(file, aside);
            ctx.emit({ type: 'update.step', time: ctx.clock.now(), severity: 'info', service: name, message: `${name}: started by a person: the update record ${file}, which no supervised service owned, was moved aside as evidence to ${aside}; later starts do not hold ${name} for it`, details: { step: 'record-set-aside', record: file, movedTo: aside, owner } });
            await releaseCovered(owner);
          } catch (err) {
            ctx.emit({ type: 'update.failed', time: ctx.clock.now(), severity: 'warning', service: name, message: `${name}: started by a person, but the update record ${file} no supervised service owns could not be moved aside (${(err as Error).message}): every later start holds ${name} for it again until it is removed`, details: { record: file, error: (err as Error).message } });
          }
        }
      };
      const asides = new Set<Promise<void>>();
      const setAside = async (name: string): Promise<void> => {
        unreadable.delete(name);
        // Only the record that was unreadable: a new update's record written meanwhile is its own.
        const rec = await readRecord(name);
        if (!rec || !('error' in rec)) return;
        const file = inFlightFile(ctx.stateDir, name);
        const aside = `${file}.unreadable-${fileStamp(ctx.clock.now())}-${randomBytes(2).toString('hex')}`;
        try {
          // A rename: a FIFO or a directory is moved as it is, never opened.
          await fs.rename(file, aside);
          ctx.emit({ type: 'update.step', time: ctx.clock.now(), severity: 'info', service: name, message: `${name}: started by a person: its unreadable update record was moved aside as evidence to ${aside}; later starts do not hold ${name} for it`, details: { step: 'record-set-aside', record: file, movedTo: aside } });
          await releaseCovered(name);
        } catch (err) {
          ctx.emit({ type: 'update.failed', time: ctx.clock.now(), severity: 'warning', service: name, message: `${name}: started by a person, but its unreadable update record ${file} could not be moved aside (${(err as Error).message}): every later start holds ${name} for it again until it is removed`, details: { record: file, error: (err as Error).message } });
        }
      };
      // An update the previous daemon did not finish (killed mid-update) is finished once the services are booted or
      // adopted: watched or rolled back through the reducer. It counts as the service's update in flight meanwhile.
      // `heldOnly`: after a config reload, the services its boot held for a record (added back, or by a second config).
      const resumeInterrupted = async (heldOnly = false): Promise<void> => {
        for (const rt of daemon.runtimes.values()) {
          const name = rt.config.name;
          if (!rt.config.update || inFlight.has(name)) continue;
          if (heldOnly && rt.persisted().updateHold === undefined) continue;
          const rec = await readRecord(name);
          if (inFlight.has(name)) continue;
          if (!rec) {
            if (rt.persisted().updateHold !== undefined) await holdForGroup(rt);
            continue;
          }
          if ('error' in rec) {
            ctx.emit({ type: 'update.failed', time: ctx.clock.now(), severity: 'critical', service: name, message: `${name}: an update was interrupted by a daemon restart, but its record cannot be read (${rec.error}): check the service's version and files by hand`, details: { error: rec.error } });
            // The boot held it for this record: held for a person (Level 4), never started on files nobody checked.
            unreadable.add(name);
            await rt.updateResumed(`its record cannot be read: ${rec.error}; a person's resume or start moves it aside as evidence`);
            continue;
          }
          const abort = new AbortController();
          const done = resumeInterruptedUpdate(targetOf(rt), rec, { clock: ctx.clock, stateDir: ctx.stateDir, emit: ctx.emit, runner, signal: abort.signal, ...opts.deps })
            // Decided (or cancelled: the daemon stops again, the record stays): the boot's hold ends; the reducer starts it
            // only if the resume neither started, stopped nor held it.
            .then(async (r) => {
              if (r.outcome !== 'cancelled') await daemon.runtimes.get(name)?.updateResumed();
            })
            .catch(async (err: unknown) => {
              ctx.emit({ type: 'update.failed', time: ctx.clock.now(), severity: 'critical', service: name, message: `${name}: finishing the update interrupted by a daemon restart failed: ${(err as Error).message}`, details: { runId: rec.runId } });
              await daemon.runtimes.get(name)?.updateResumed(`finishing it failed: ${(err as Error).message}`);
            })
            .finally(() => inFlight.delete(name))
            .then(() => releaseCovered(name))
            .catch(() => undefined);
          inFlight.set(name, { abort, done, what: `run ${rec.runId}, ${rec.from} -> ${rec.to}, being finished after a daemon restart`, resume: true });
        }
      };
      // A unit held for its group's record (`gw:2` a scale added while `gw:0`'s update was unfinished): once that record's
      // run or resume is over, the reducer takes the start its boot deferred, unless another record of the group remains.
      const releaseCovered = async (owner: string): Promise<void> => {
        for (const rt of [...daemon.runtimes.values()]) {
          const n = rt.config.name;
          if (n === owner || groupOf(n) !== groupOf(owner) || inFlight.has(n) || rt.persisted().updateHold === undefined) continue;
          if ((await holdAtBoot(rt.config)) === undefined) await rt.updateResumed();
        }
      };
      // Held for its group's record only: finished by the unit that owns it (its resume or run, then releaseCovered); a
      // record whose owner is supervised no more (`gw` now runs as `gw:0..`) is finished by nobody: held for a person.
      const holdForGroup = async (rt: ServiceRuntime): Promise<void> => {
        const name = rt.config.name;
        const owners = await recordsCovering(ctx.stateDir, name).catch(() => []);
        if (owners.some((o) => daemon.runtimes.has(o) || inFlight.has(o))) return;
        const why = await holdAtBoot(rt.config);
        if (why === undefined) return void (await rt.updateResumed());
        const files = owners.map((o) => inFlightFile(ctx.stateDir, o)).join(', ');
        orphaned.set(name, owners);
        await rt.updateResumed(`no supervised service owns that record any more (${owners.join(', ')}), so nothing can finish it; once its version and files are checked, a person's resume or start moves ${files} aside as evidence`);
      };
      const offSteps = ctx.bus.subscribe((e) => {
        if (e.type === 'daemon.started') void resumeInterrupted();
        // A scale (a person's or the autoscaler's) adds units as a reload does: those its boot held are finished here too.
        if (e.type === 'config.reloaded' || e.type === 'service.scaled') void resumeInterrupted(true);
        if (e.type === 'service.started' && e.service && unreadable.has(e.service)) {
          const moving = setAside(e.service).finally(() => asides.delete(moving));
          asides.add(moving);
        }
        if (e.type === 'service.started' && e.service && orphaned.has(e.service)) {
          const moving = setAsideOrphans(e.service).finally(() => asides.delete(moving));
          asides.add(moving);
        }
        if (e.type !== 'update.step' || !e.service) return;
        const view = runs.get(e.service);
        const d = e.details as { runId?: string; step?: StepRecord['step']; ok?: boolean; ms?: number } | undefined;
        if (view && d?.runId === view.runId && d.step) view.steps.push({ step: d.step, ok: !!d.ok, ms: d.ms ?? 0, message: e.message });
      });
      // The service's runtime as it is now, not as it was when the run began: a config reload during the run replaces it
      // (even a probe change), and requests to the disposed one were lost (a rollback restored the old files and
      // switched `current` back under the new version, which kept running).
      const targetOf = (first: ServiceRuntime) => {
        const name = first.config.name;
        const live = (): ServiceRuntime | undefined => daemon.runtimes.get(name);
        return {
          service: first.config,
          request: async (action: 'start' | 'stop', by: 'human') => {
            const rt = live();
            return rt ? rt.request(action, by) : { ok: false, message: `${name} is no longer supervised (removed by a config reload)` };
          },
          restored: async (runId: string, failed: Array<{ file: string; error: string }>) => {
            const rt = live();
            return rt ? rt.restoreDone(runId, failed) : { ok: false, message: `${name} is no longer supervised (removed by a config reload)` };
          },
          phase: () => live()?.status().state ?? 'removed',
          health: () => live()?.status().health ?? 'unknown',
          subscribe: (l: Parameters<typeof ctx.bus.subscribe>[0]) => ctx.bus.subscribe(l),
          maintenanceBy: () => live()?.status().maintenance?.by ?? null,
          hold: () => {
            const st = live()?.status();
            return { held: st?.held ?? null, work: st?.work ?? null };
          },
        };
      };

      const post = async (p: string, q: URLSearchParams): Promise<{ status: number; body: unknown } | undefined> => {
        const m = /^\/api\/update\/([^/]+)$/.exec(p);
        if (!m) return undefined;
        const name = decodeURIComponent(m[1]!);
        const rt = daemon.runtimes.get(name);
        if (!rt) return { status: 404, body: { ok: false, message: `no service named "${name}" (known: ${[...daemon.runtimes.keys()].join(', ')})` } };
        const u = rt.config.update;
        if (!u) return { status: 409, body: { ok: false, message: `${name} has no update settings (add the service key update; the OpenClaw preset has one)` } };
        // An update stops, starts and may roll back (restart) the service: not while a person holds it in maintenance.
        if (rt.status().maintenance && q.get('dryRun') !== '1') return { status: 409, body: { ok: false, message: `${name} is in maintenance (by ${rt.status().maintenance!.by}): nothing restarts it until that ends; run \`clawback maintenance ${name} off\` first` } };
        if (inFlight.has(name)) return { status: 409, body: { ok: false, message: `an update of ${name} is already running (${inFlight.get(name)!.what})` } };
        const dryRun = q.get('dryRun') === '1';
        const force = q.get('force') === '1';
        // The reducer holds it (breaker open, waiting for a person) or a repair is at work: its state decides, not the update.
        const held = dryRun ? undefined : holdBlocker(name, targetOf(rt).hold(), force);
        if (held) return { status: 409, body: { ok: false, message: held } };
        let version = (q.get('version') ?? '').trim();
        const by = (q.get('by') ?? 'api').slice(0, 100);
        const runId = newRunId(ctx.clock.now());
        // The run is registered (GET /api/update/NAME running, what a drill checks) before its first slow step: during a
        // seconds-long `npm view` a drill found no update and SIGKILLed the service the update was about to stop and switch.
        const view: UpdateRunView = { runId, service: name, to: version || null, startedAt: ctx.clock.now(), running: true, steps: [], report: null };
        const before = runs.get(name);
        if (!dryRun) runs.set(name, view);
        const unregister = (): void => {
          if (runs.get(name) !== view) return;
          if (before) runs.set(name, before);
          else runs.delete(name);
        };
        if (!version) {
          // npm view takes seconds: the slot is taken meanwhile, or a second request would start a second run beside this one.
          const lookup = { abort: new AbortController(), done: Promise.resolve(), what: `looking up the latest ${u.package} version` };
          if (!dryRun) inFlight.set(name, lookup);
          let latest: Awaited<ReturnType<typeof latestVersion>>;
          try {
            // The daemon's stop cancels the lookup (its npm child killed), as it cancels a run.
            latest = await latestVersion(u, rt.config, runner, lookup.abort.signal);
          } finally {
            if (inFlight.get(name) === lookup) inFlight.delete(name);
          }
          if (typeof latest !== 'string') {
            unregister();
            return { status: 502, body: { ok: false, message: latest.error } };
          }
          version = latest;
          view.to = version;
          if (rt.status().maintenance && !dryRun) {
            unregister();
            return { status: 409, body: { ok: false, message: `${name} went into maintenance (by ${rt.status().maintenance!.by}) while its latest version was looked up: not updated` } };
          }
        }
        const bad = checkVersionName(version);
        if (bad) {
          unregister();
          return { status: 400, body: { ok: false, message: bad } };
        }
        const deps: UpdateDeps = { clock: ctx.clock, stateDir: ctx.stateDir, emit: ctx.emit, runner, by, ...opts.deps };
        if (dryRun) {
          const r = await runUpdate(targetOf(rt), version, deps, { dryRun: true, runId });
          return { status: r.outcome === 'blocked' ? 409 : 200, body: { ok: r.outcome !== 'blocked', message: r.message, plan: r.plan } };
        }
        const abort = new AbortController();
        const done = runUpdate(targetOf(rt), version, { ...deps, signal: abort.signal }, { runId, force })
          .then((r) => {
            view.report = r;
          })
          .catch((err: unknown) => {
            ctx.emit({ type: 'update.failed', time: ctx.clock.now(), severity: 'critical', service: name, message: `${name}: update to ${version} crashed: ${(err as Error).message}`, details: { runId } });
          })
          .finally(() => {
            view.running = false;
            inFlight.delete(name);
          })
          .then(() => releaseCovered(name))
          .catch(() => undefined);
        inFlight.set(name, { abort, done, what: `run ${runId}` });
        return { status: 202, body: { ok: true, runId, message: `update of ${name} to ${version} started (run ${runId}); follow it with GET /api/update/${encodeURIComponent(name)}` } };
      };

      const extra = async (p: string): Promise<unknown | undefined> => {
        const m = /^\/api\/update\/([^/]+)$/.exec(p);
        if (!m) return undefined;
        const name = decodeURIComponent(m[1]!);
        return runs.get(name) ?? { service: name, running: false, runId: null, steps: [], report: null };
      };

      // The boot holds a service with an interrupted update's record until its resume (above) has decided.
      // A run of this daemon (not a resume) owns its service meanwhile: a reload replacing it mid-run is not held by its record.
      const holdAtBoot = async (service: ServiceConfig): Promise<string | undefined> => {
        const name = service.name;
        if (!service.update) return undefined;
        // Its own record, and its group's (`gw`, `gw:0`...): a unit a scale or reload adds runs the same versions' files.
        // The records' folder unreadable: its own record is read as before (and held as unreadable if it cannot be).
        const owners = await recordsCovering(ctx.stateDir, name).catch(() => [name]);
        for (const owner of owners) {
          if (owner === name && inFlight.has(name) && !inFlight.get(name)!.resume) continue;
          const rec = await readRecord(owner);
          if (!rec) continue;
          // Its record named: where a person looks (and what the hold's status, the journal and the Level 4 hold point at).
          const file = inFlightFile(ctx.stateDir, owner);
          const of = owner === name ? '' : ` of ${owner} (whose files ${name} shares)`;
          return 'error' in rec ? `an update${of || ` of ${name}`} (its record ${file} unreadable)` : `the update${of} ${rec.from} -> ${rec.to} (run ${rec.runId}, record ${file})`;
        }
        return undefined;
      };

      return {
        post,
        extra,
        holdAtBoot,
        stop: async () => {
          offSteps();
          for (const r of inFlight.values()) r.abort.abort();
          await Promise.allSettled([...inFlight.values()].map((r) => r.done));
          await Promise.allSettled([...asides]);
        },
      };
    },
  };
}
