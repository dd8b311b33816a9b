// `clawback doctor [NAME] [--fix] [--json]`: diagnose (and repair) services from their config; a running daemon's live pids are left alone.
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { systemClock } from '../platform/clock.js';
import { Redactor } from '../observe/redact.js';
import { learnServiceSecrets } from '../observe/service-secrets.js';
import { EventBus, type ClawbackEvent } from '../observe/events.js';
import { JournalWriter } from '../observe/journal.js';
import { runDoctor, defaultRules, repairLockWaitMs, DOCTOR_FAILED, type DoctorReport } from '../doctor/run-doctor.js';
import { ConfigError } from '../config/errors.js';
import { errorKind, failureText } from './fail.js';
import { otherSupervisorRule } from '../openclaw/rule-other-supervisor.js';
import { preflightRule } from '../doctor/rule-preflight.js';
import { doctorContext } from '../daemon/doctor-wiring.js';
import { externalLivePid, liveSupervision, type LiveSupervision } from '../doctor/live-instances.js';
import path from 'node:path';
import { lastExitText, paint, wantsColour } from './format.js';
import { terminalSafe } from './terminal-safe.js';
import { namesFor, unknownServiceText } from '../instances/instance-name.js';
import { clientStateDir, connect, type Client } from './client.js';
import { doctorViaDaemon } from './doctor-via-daemon.js';
import { cliHint } from './cli-command.js';
import { doctorFileChanges, readConfigTreeBeforeDoctor } from '../doctor/revert-doctor-files.js';
import { exitAfterUsageError, exitWithError } from './json-error.js';
import { emptyServiceNameText } from './service-name-arg.js';
import { configFileFor } from './daemon-config-file.js';
import { findConfigFile } from '../config/find-config.js';
import { readDaemonInfoSync } from '../daemon/daemon-info.js';
import { liveDaemonsText } from './live-daemons-hint.js';
import { stateEvidence, stateEvidenceLines } from '../doctor/state-evidence.js';

/** Said where `doctor` checks the embedded demo: typed in another directory it answered for the demo, silent on the live daemons. */
function demoText(stateDir: string): string {
  return `no config file was named or found (no --config, $CLAWBACK_CONFIG or clawback.yaml in ${process.cwd()}) and no daemon ran in ${stateDir} (no daemon.json), so this checks the embedded demo, not your services; ${liveDaemonsText()}`;
}

/** A run that could not reach an outcome (a bug, an OS refusal, an invalid config) ends with a code no outcome uses. */
function doctorFail(err: unknown): never {
  exitWithError(err instanceof ConfigError ? 'invalid-config' : errorKind(err), failureText(err), err instanceof ConfigError ? DOCTOR_FAILED.CONFIG : DOCTOR_FAILED.SOFTWARE);
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor [name]')
    .description(
      'diagnose services (preflight + repair rules); --fix applies and verifies fixes. Exit 0 healthy, 1 all fixed, 2 findings left; ' +
        `4 unknown service, ${DOCTOR_FAILED.USAGE} usage error, ${DOCTOR_FAILED.SOFTWARE} internal error, ${DOCTOR_FAILED.CONFIG} invalid config`,
    )
    .option('--fix', 'apply the proposed fixes (the user\'s files are snapshotted first)')
    .option('--json', 'machine-readable report')
    // Commander's own exit 1 (an unknown option) would read as "all fixed".
    .exitOverride((err) => (err.exitCode === 0 ? process.exit(0) : exitAfterUsageError(err.message, DOCTOR_FAILED.USAGE)))
    .action(async (name: string | undefined, o: { fix?: boolean; json?: boolean }) => {
      // Node ends an uncaught error with 1 ("all fixed") and the CLI's catch-all with 1 or 2: never a doctor outcome.
      // `doctor "$SVC"` with SVC unset checked (and with --fix repaired) every service.
      const empty = name === undefined ? undefined : emptyServiceNameText('doctor', name);
      if (empty) exitWithError('usage', empty, DOCTOR_FAILED.USAGE);
      process.on('uncaughtException', doctorFail);
      process.on('unhandledRejection', doctorFail);
      try {
        await doctorCommand(program, name, o);
      } catch (err) {
        doctorFail(err);
      }
    });
}

async function doctorCommand(program: Command, name: string | undefined, o: { fix?: boolean; json?: boolean }): Promise<void> {
  const g = program.opts<{ config?: string; stateDir?: string }>();
  // Typed with a daemon's --state-dir (or in its state dir's default) and no config named: that daemon's config, as logs does.
  const stateDir = clientStateDir(g);
  const named = findConfigFile(g.config ? { file: g.config } : {});
  const file = named ?? configFileFor(g, stateDir);
  const loaded = loadConfig({ ...(file ? { file } : {}), ...(g.stateDir || file !== named ? { stateDir } : {}) });
  // Nothing named or found and no daemon ran here: what loaded is the embedded demo, not the person's services.
  const demo = file === undefined && !readDaemonInfoSync(stateDir).info ? demoText(stateDir) : undefined;
  // A scaled service's group name (web for web:0..2) stands for all its instances, as in scale and reload.
  const all = loaded.config.services.map((s) => s.name);
  const wanted = new Set(name ? namesFor(name, all) : all);
  const services = loaded.config.services.filter((s) => wanted.has(s.name));
  if (name && services.length === 0) {
    exitWithError('not-found', terminalSafe(unknownServiceText(name, all) + (demo ? `: ${demo}` : '')), 4);
  }
  if (demo) process.stderr.write(`clawback: ${terminalSafe(demo)}\n`);
  // What the rules quote (a validateCommand's output, a candidate's verdict) may hold the service's own secrets.
  const redactor = await learnServiceSecrets(new Redactor(), loaded.config);
  const bus = new EventBus();
  const journal = new JournalWriter(path.join(loaded.stateDir, 'journal.jsonl'));
  if (o.fix) bus.subscribe((e) => journal.append(redactor.redactDeep(e)));
  const ctxBase = { config: loaded.config, configFile: loaded.file, stateDir: loaded.stateDir, clock: systemClock(), bus, redactor, emit: (e: ClawbackEvent) => bus.emit(e) };
  const reports: Array<{ service: string; notes?: string[]; down?: NonNullable<LiveSupervision['down']> } & DoctorReport> = [];
  let client: Client | undefined;
  for (const service of services) {
    const ctx = doctorContext(service, ctxBase);
    // A daemon running on this state dir owns the live instance: it is never a "stale port holder".
    const live = await liveSupervision(loaded.stateDir, service.name);
    let fix = !!o.fix;
    const notes: string[] = [];
    // The daemon supervises it: the repair is its reducer's (verified, rolled back when not healthy after), not a second
    // repairer behind its back (which re-applied a repair the daemon had just rolled back, and said "fixed").
    if (fix && live.daemonPid !== undefined) {
      client ??= await connect({ stateDir: loaded.stateDir });
      const h = await doctorViaDaemon(client, service, loaded.stateDir, ctxBase.clock);
      if (h.taken) {
        // Nothing found while the daemon still has it down after the run (held at Level 4): no "healthy", no "running service".
        const down = h.run.findings.length === 0 ? (await liveSupervision(loaded.stateDir, service.name)).down : undefined;
        const ran = `run by the daemon (pid ${live.daemonPid}, run ${h.run.runId})`;
        const first = down ? downNote(service.name, live.daemonPid, down, (args) => cliHint(args, { stateDir: loaded.stateDir })) : `${ran}, verified against the running service`;
        reports.push({ service: service.name, findings: h.run.findings, outcomes: h.run.outcomes, exitCode: h.run.exitCode, notes: down ? [ran, first, ...h.run.daemonSays] : [first, ...h.run.daemonSays], ...(down ? { down } : {}) });
        continue;
      }
      // Stopped on purpose (no live instance, nothing in flight): nothing runs that a one-shot repair could harm.
      const idle = h.state === 'stopped' && !h.pid;
      if (!idle) {
        fix = false;
        notes.push(`not repaired: the daemon (pid ${live.daemonPid}) supervises ${service.name}: ${h.message}`);
      }
    }
    if (live.daemonPid !== undefined) ctx.daemonPid = live.daemonPid;
    if (live.unrecordedPids !== undefined) ctx.unrecordedPids = live.unrecordedPids;
    if (live.servicePid !== undefined) ctx.currentPid = live.servicePid;
    // A service another manager runs: its manager names the live instance, daemon or not.
    else {
      const ext = await externalLivePid(service);
      if (ext !== undefined) ctx.currentPid = ext;
    }
    // The daemon may be repairing this service right now (Level 2): this run waits for it rather than racing it.
    const onLockWait = (owner: { pid: number } | null): void => {
      const who = owner ? (owner.pid === live.daemonPid ? `the daemon (pid ${owner.pid}) is` : `pid ${owner.pid} is`) : 'another doctor run is';
      process.stderr.write(`clawback: ${who} repairing ${service.name} right now; waiting for it to finish (up to ${Math.round(repairLockWaitMs(service) / 1000)} s)\n`);
    };
    // A one-shot repair here is checked by its rules only: the files it rewrites are read first, so the report can name
    // their pre-repair copies (what to put back by hand when the service is not healthy with them).
    const before = fix ? await readConfigTreeBeforeDoctor(service.configFile?.path, ctx.snapshots) : undefined;
    const report = await runDoctor(ctx, { fix, onLockWait, rules: [preflightRule(['command', 'cwd', 'env']), ...defaultRules({ serviceDoctor: { always: false } }), otherSupervisorRule()] });
    if (before && report.outcomes.some((x) => x.applied)) {
      const why = live.daemonPid !== undefined ? `the daemon (pid ${live.daemonPid}) has it stopped` : 'no daemon supervises it';
      notes.push(`not verified against a running service (${why}): nothing checks that ${service.name} is healthy with this repair, nor rolls it back`);
      const changes = await doctorFileChanges(ctx.snapshots, before);
      const copies = changes.length > 0 ? await ctx.snapshots.list('pre-repair').catch(() => []) : [];
      for (const c of changes) {
        const copy = copies.find((e) => e.id === c.snapshotId);
        notes.push(copy ? `the pre-repair copy of ${c.path}: ${path.join(ctx.snapshots.dir, copy.file)}` : `${c.path} had no pre-repair copy (the repair created it)`);
      }
    }
    // No finding is not "healthy" when the daemon has the service down (a crash loop the rules see no cause of).
    if (report.findings.length === 0 && live.down) notes.push(downNote(service.name, live.daemonPid!, live.down, (args) => cliHint(args, { stateDir: loaded.stateDir })));
    reports.push({ service: service.name, ...report, ...(notes.length > 0 ? { notes } : {}), ...(live.down ? { down: live.down } : {}) });
  }
  const exitCode = Math.max(0, ...reports.map((r) => r.exitCode));
  // What the daemon set aside of its own files (not a finding: nothing to repair, but a person reads how many and where).
  const evidence = stateEvidence(loaded.stateDir);
  const evidenceJson = evidence.files.length > 0 ? { stateEvidence: { dir: evidence.dir, count: evidence.files.length, files: evidence.files } } : {};
  if (o.json) {
    process.stdout.write(redactor.redact(JSON.stringify({ exitCode, services: reports, ...evidenceJson })) + '\n');
  } else {
    const p = paint(wantsColour(process.stdout));
    for (const r of reports) {
      const verdict = r.findings.length > 0 ? `${r.findings.length} finding(s)` : r.down ? p.yellow('no findings, but not running healthy') : p.green('healthy');
      process.stdout.write(`${p.bold(r.service)}: ${verdict}\n`);
      for (const f of r.findings) {
        const sev = f.severity === 'critical' ? p.red(f.severity) : f.severity === 'warning' ? p.yellow(f.severity) : f.severity;
        process.stdout.write(`  [${sev}] ${f.id}: ${f.title}\n    evidence: ${terminalSafe(redactor.redact(f.evidence))}\n`);
        if (f.fix) process.stdout.write(`    fix: ${f.fix}${f.fixable ? '' : ' (manual)'}\n`);
      }
      for (const out of r.outcomes) {
        process.stdout.write(`  ${out.verified ? p.green('fixed') : p.red('not fixed')}: ${out.finding.id}: ${terminalSafe(redactor.redact(out.message))}\n`);
      }
      for (const n of r.notes ?? []) process.stdout.write(`  ${terminalSafe(redactor.redact(n))}\n`);
    }
    for (const line of stateEvidenceLines(evidence)) process.stdout.write(`${terminalSafe(line)}\n`);
    if (exitCode === 2 && !o.fix) process.stdout.write('run with --fix to apply the proposed fixes\n');
  }
  process.exit(exitCode);
}

/** What the daemon says about a service the rules found nothing wrong with, but which is not running healthy. */
function downNote(name: string, daemonPid: number, down: NonNullable<LiveSupervision['down']>, hint: (args: string[]) => string): string {
  const state = down.held ? `held (${down.held.reason}${down.held.detail ? `: ${down.held.detail}` : ''})` : down.phase === 'running' ? `running but ${down.health}` : down.phase;
  const exit = down.lastExit && down.phase !== 'running' ? `; ${lastExitText(down.lastExit)}` : '';
  return `the daemon (pid ${daemonPid}) has ${name} ${state}${exit}: the rules found no cause; see its output with: ${hint(['logs', name])}${down.held ? `; then: ${hint(['resume', name])}` : ''}`;
}
