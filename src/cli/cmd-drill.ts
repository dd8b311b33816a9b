// `clawback drill SCENARIO|all`: reproducible extreme tests against the running daemon, with a recovery report.
import { InvalidArgumentError, Option, type Command } from 'commander';

import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { fileURLToPath } from 'node:url';
import { clientStateDir, DaemonUnreachable } from './client.js';
import { errorKind, failureText, SYSEXITS } from './fail.js';
import { ConfigError } from '../config/errors.js';
import { systemClock } from '../platform/clock.js';
import { writeFileAtomicSync } from '../platform/atomic-write.js';
import { parseScenarioList, SCENARIO_NAMES, SCENARIO_PLANS, type ScenarioName } from '../drill/scenario-catalog.js';
import { CHAOS_EXCLUDED, defaultChaosKinds, runChaos } from '../drill/run-chaos.js';
import { progressPaceMs, renderChaosMarkdown, summaryRows } from '../drill/chaos-report.js';
import { renderChaosSvg } from '../drill/chaos-svg.js';
import { isLoopbackHost } from '../server/auth.js';
import { parseDuration } from '../config/duration.js';
import { DaemonLink } from '../drill/daemon-link.js';
import { DrillRefused, loadDaemonConfig, pausedByPerson, recoveryUnderWay, resolveTarget, standingBy, updateUnderWay, type DrillTarget } from '../drill/target.js';
import { RestoreStack, stopOnSignals } from '../drill/restore-stack.js';
import { runDrill, skippedScenarios } from '../drill/run-drill.js';
import { isInStateDir } from '../drill/scenario-daemon.js';
import { nothingDrilled } from '../drill/drill-result.js';
import { renderMarkdown, renderTerminal } from '../drill/drill-report.js';
import type { DrillContext } from '../drill/drill-context.js';
import { releaseOnEarlyExit, takeDrillLock } from '../drill/drill-lock.js';
import { levelThreePlanLine } from '../drill/level-three-note.js';
import { deadDrillOf, drillClaimSince, holdLeftByDeadDrill, incidentLeftByDeadDrill, liftDeadDrillHold } from '../drill/dead-drill-hold.js';
import { recoverAbandonedGuards } from '../drill/file-guard.js';
import { drillBackupRoots } from '../drill/drill-leftovers.js';
import type { FileLock, LockOwner } from '../platform/file-lock.js';
import { exitWithError } from './json-error.js';
import { fileStamp } from '../platform/file-stamp.js';
import { mkdirRecursiveSync } from '../platform/mkdir-cause.js';

const ENTRY = fileURLToPath(new URL('./main.js', import.meta.url));

interface DrillOpts {
  service?: string;
  trials: number;
  storm: number;
  timeout: number;
  leakUrl?: string;
  json?: boolean;
  yes?: boolean;
  force?: boolean;
  report?: string;
  duration?: number;
  meanInterval?: number;
  scenarios?: string;
  seed?: number;
  pollUrl?: string;
  pollInterval: number;
}

/** A duration with its unit (100ms, 90s, 45m, 1h); a bare number is refused, it would be ambiguous. */
function durationArg(name: string, min: number): (v: string) => number {
  return (v: string) => {
    const ms = /[a-z]\s*$/i.test(v) ? parseDuration(v) : undefined;
    if (ms === undefined || ms < min) throw new InvalidArgumentError(`${name}: expected a duration with a unit of at least ${min} ms (e.g. 100ms, 90s, 45m, 1h), got "${v}"`);
    return ms;
  };
}

function seedArg(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new InvalidArgumentError(`--seed: expected a whole number 0-4294967295, got "${v}"`);
  return n;
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new InvalidArgumentError(`expected a whole number 1-1000, got "${v}"`);
  return n;
}

/** A scenario's fault, for the help: its plan up to "; expect" (a ';' inside parentheses is part of the fault). */
export function scenarioFault(n: ScenarioName): string {
  return SCENARIO_PLANS[n].split('; expect')[0]!;
}

function fail(message: string, code: number): never {
  exitWithError(code === 2 ? 'refused' : code === 4 ? 'not-found' : code === SYSEXITS.USAGE ? 'usage' : 'error', message, code);
}

function planText(target: DrillTarget, scenarios: ScenarioName[], skipped: Map<ScenarioName, string>, o: DrillOpts, reportFile: string): string {
  const lines = [
    `clawback drill will break "${target.service.name}" on purpose (daemon state dir ${target.stateDir}):`,
    ...scenarios.map((s) => `  - ${s}${skipped.has(s) ? ` (skipped: ${skipped.get(s)!.replace(/^skipped: /, '')})` : ''}: ${SCENARIO_PLANS[s].replace('N times', `${o.storm} times`)}`),
    `  ${o.trials} trial(s) each; every wait is bounded by ${o.timeout} s; each trial starts healthy with a fresh restart window (\`resume\`)`,
  ];
  const levelThree = levelThreePlanLine(target.service);
  if (levelThree) lines.push(levelThree);
  const config = target.service.configFile?.path;
  const runs = scenarios.filter((s) => !skipped.has(s));
  if (config) {
    // Said only of scenarios that do snapshot it: nuclear keeps a config inside the state dir, and leaves one outside alone.
    const inside = isInStateDir(target.stateDir, config);
    const touching = runs.filter((s) => s === 'config-corrupt' || s === 'slow-start' || (s === 'nuclear' && inside));
    if (touching.length) lines.push(`  your config ${config} is snapshotted first (memory + a private temp copy) and put back byte for byte at the end, also on Ctrl-C (${touching.join(', ')})`);
    if (runs.includes('nuclear') && !inside) lines.push(`  nuclear does not touch your config ${config}: it is outside the state dir, which is the only thing moved aside`);
  }
  lines.push(`  report: ${reportFile} (+ .json)`);
  return lines.join('\n') + '\n';
}

function chaosCommandLine(o: DrillOpts, kinds: readonly ScenarioName[], seed: number, storm: number): string {
  const parts = ['clawback drill chaos', '--duration', formatMsArg(o.duration!), '--mean-interval', formatMsArg(o.meanInterval!), '--seed', String(seed)];
  if (o.scenarios) parts.push('--scenarios', kinds.join(','));
  if (o.service) parts.push('--service', o.service);
  if (storm !== 3) parts.push('--storm', String(storm));
  if (o.timeout !== 120) parts.push('--timeout', String(o.timeout));
  if (o.pollUrl) parts.push('--poll-url', o.pollUrl);
  if (o.pollInterval !== 100) parts.push('--poll-interval', formatMsArg(o.pollInterval));
  if (o.leakUrl) parts.push('--leak-url', o.leakUrl);
  return parts.join(' ');
}

function formatMsArg(ms: number): string {
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

/** The drill as a reproducible command line, for the report. */
function commandLine(scenario: string, o: DrillOpts): string {
  const parts = ['clawback drill', scenario];
  if (o.service) parts.push('--service', o.service);
  parts.push('--trials', String(o.trials));
  if (o.storm !== 10) parts.push('--storm', String(o.storm));
  if (o.timeout !== 120) parts.push('--timeout', String(o.timeout));
  if (o.leakUrl) parts.push('--leak-url', o.leakUrl);
  return parts.join(' ');
}

async function confirmed(o: DrillOpts): Promise<boolean> {
  if (o.yes || process.env.CLAWBACK_DRILL_YES === '1') return true;
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question('Go ahead? [y/N] ')).trim());
  } catch (err) {
    // Ctrl-C at the prompt rejects the question (the terminal is raw: no SIGINT): an answer, not a crash.
    if ((err as Error).name === 'AbortError') fail('interrupted at the confirmation prompt: nothing was drilled', 130);
    throw err;
  } finally {
    rl.close();
  }
}

export function registerDrill(program: Command): void {
  program
    .command('drill <scenario>')
    .description('reproducible extreme tests against the running daemon and a recovery report; SCENARIO is one name, a comma-separated list, all, or chaos (a soak of random faults)')
    .option('--service <name>', 'the service to drill (must be drillable: true)')
    .option('--trials <n>', 'trials per scenario', positiveInt, 1)
    .option('--storm <n>', 'crashes per crash-storm trial (chaos: default 3, below the usual restart intensity)', positiveInt, 10)
    .option('--timeout <seconds>', 'bound of every single wait', positiveInt, 120)
    .option('--leak-url <url>', "POST here to make the service leak memory (loopback; the demo gateway's is found by itself)")
    .option('--json', 'print the report as JSON on stdout')
    .option('--force', 'drill even while the service has an open incident or work in flight (a doctor, agent or verify run); the drill still never sends `resume` over a recovery or a hold it did not cause')
    .option('--yes', 'do not ask for confirmation (or set CLAWBACK_DRILL_YES=1)')
    .option('--report <file>', 'Markdown report path (default <stateDir>/drills/drill-<time>.md); the JSON goes beside it (chaos: and the SVG timeline)')
    .option('--duration <d>', 'chaos: how long the soak runs (e.g. 45m, 1h)', durationArg('--duration', 1000))
    .option('--mean-interval <d>', 'chaos: mean time between faults, exponential inter-arrival (default 2m)', durationArg('--mean-interval', 100))
    .option('--scenarios <list>', `chaos: the fault kinds to pick from, comma-separated (default: all but ${Object.keys(CHAOS_EXCLUDED).join(', ')})`)
    .option('--seed <n>', 'chaos: the PRNG seed; the same seed gives the same schedule (default: random, printed)', seedArg)
    .option('--poll-url <url>', "chaos: GET this URL from outside to judge up/down (loopback; default: the service's health check)")
    .addOption(new Option('--poll-interval <d>', 'chaos: outside poll pace').argParser(durationArg('--poll-interval', 10)).default(100, '100ms'))
    .addHelpText(
      'after',
      [
        '',
        'Scenarios:',
        ...SCENARIO_NAMES.map((n) => `  ${n.padEnd(16)}${scenarioFault(n)}`),
        '',
        'SCENARIO forms:',
        '  crash                            one scenario',
        '  hang,config-corrupt,port-steal   a comma-separated list (no spaces); run in the order above',
        '  all                              every scenario, in the order above',
        '  chaos                            random faults for --duration, --mean-interval apart on average',
        '',
        'Examples:',
        '  clawback drill crash --yes',
        '  clawback drill all --trials 3 --yes',
        '  clawback drill config-corrupt,port-steal --service gateway --trials 5 --json --yes',
        '  clawback drill chaos --duration 1h --mean-interval 2m --seed 42 --yes',
        '  clawback drill chaos --duration 30m --mean-interval 1m --scenarios crash,hang,leak --yes',
        '',
        'See docs/drills.md.',
      ].join('\n'),
    )
    .action(outcomeCodesOnly(async (scenarioArg: string, o: DrillOpts, cmd: Command) => {
      if (scenarioArg === 'chaos') return chaosAction(program, o, cmd.getOptionValueSource('storm') === 'default' ? 3 : o.storm);
      if (o.duration !== undefined || o.meanInterval !== undefined || o.scenarios !== undefined || o.seed !== undefined || o.pollUrl !== undefined) {
        fail('--duration, --mean-interval, --scenarios, --seed and --poll-url belong to `clawback drill chaos`', 2);
      }
      const scenarios = parseScenarioList(scenarioArg);
      if ('error' in scenarios) fail(scenarios.error, 2);
      const { dead, lock, releasedOnEarlyExit, target, restore, stop, say, ctx } = await drillSession(program, o, o.storm);
      const stamp = fileStamp(Date.now());
      const mdFile = path.resolve(o.report ?? path.join(target.stateDir, 'drills', `drill-${stamp}.md`));
      const jsonFile = mdFile.replace(/\.md$/i, '') + '.json';
      const skipped = skippedScenarios(ctx, scenarios);
      process.stderr.write(planText(target, scenarios, skipped, o, mdFile));
      await confirmThenRecover(o, ctx, dead);

      const uninstall = stopOnSignals(restore, stop, say, 'the drill');
      releasedOnEarlyExit();
      let report;
      try {
        report = await runDrill(ctx, { scenarios, trials: o.trials, command: commandLine(scenarioArg, o) });
      } finally {
        restore.unwindAll();
        uninstall();
        await lock.release();
      }
      const json = JSON.stringify(report, null, 2) + '\n';
      const saved = printThenSave(o.json ? `${JSON.stringify(report)}\n` : renderTerminal(report), [
        [mdFile, renderMarkdown(report)],
        [jsonFile, json],
      ], say);
      process.exitCode = !saved ? SYSEXITS.SOFTWARE : report.stoppedEarly ? 130 : nothingDrilled(report.trials) ? 2 : report.passed ? 0 : 1;
    }));
}

/**
 * The measured result goes to stdout first, then the report files are saved: a full disk or an unwritable --report cost
 * the whole run (minutes of faults) when the write came first and threw. False when a file could not be saved (exit 70).
 */
function printThenSave(result: string, files: ReadonlyArray<readonly [string, string]>, say: (line: string) => void): boolean {
  process.stdout.write(result);
  try {
    for (const [file, content] of files) {
      mkdirRecursiveSync(path.dirname(file), 0o700);
      writeFileAtomicSync(file, content);
    }
  } catch (err) {
    say(`clawback: ${failureText(err)}`);
    say(`the report was NOT saved (${files.map(([f]) => f).join(', ')}); the result above is the only copy of this run`);
    return false;
  }
  say(`report: ${files.map(([f]) => f).join('\n        ')}`);
  return true;
}

/**
 * A drill that reached no outcome ends with a code no outcome uses, as `doctor` does: the CLI's catch-all gave a crash
 * (an unwritable --report, a bug) exit 1, "some trials did not behave as expected", and an invalid option exit 1 too
 * (the latter is mapped to 64 by the program's exitOverride). 3 (no daemon) and 2 (invalid config: refused) keep their
 * documented meaning; anything else is 70 (EX_SOFTWARE), uncaught errors included.
 */
function outcomeCodesOnly<A extends unknown[]>(action: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  const crashed = (err: unknown): never => {
    exitWithError(errorKind(err), failureText(err), err instanceof DaemonUnreachable ? 3 : err instanceof ConfigError ? 2 : SYSEXITS.SOFTWARE);
  };
  return async (...args: A) => {
    process.on('uncaughtException', crashed);
    process.on('unhandledRejection', crashed);
    try {
      await action(...args);
    } catch (err) {
      crashed(err);
    }
  };
}

/**
 * Exit 2 when no chosen scenario applies to the service: the run would inject nothing, yet report PASSED (exit 0) with
 * a report of skipped rows, a reliability claim about nothing.
 */
function refuseWhenNothingApplies(target: DrillTarget, scenarios: readonly ScenarioName[], skipped: ReadonlyMap<ScenarioName, string>): void {
  if (scenarios.length === 0 || !scenarios.every((s) => skipped.has(s))) return;
  const why = scenarios.map((s) => `${s}: ${skipped.get(s)!.replace(/^(skipped|not applicable): /, '')}`).join('; ');
  fail(`refusing to drill "${target.service.name}": no chosen scenario applies to it, nothing would be tested (${why})`, 2);
}

/** One drill's or chaos run's set-up, lock first: its target, what puts things back, and the context the scenarios get. */
async function drillSession(program: Command, o: DrillOpts, stormSize: number) {
  const { dead, lock, releasedOnEarlyExit } = await drillLockFirst(clientStateDir(program.opts()));
  const target = await targetOrExit(program, o, dead);
  const say = (line: string): void => void process.stderr.write(line + '\n');
  const restore = new RestoreStack(say);
  const stop = new AbortController();
  const clock = systemClock();
  const ctx: DrillContext = {
    clock,
    link: new DaemonLink(target.stateDir),
    target,
    restore,
    say,
    timeoutMs: o.timeout * 1000,
    stormSize,
    cliEntry: ENTRY,
    reportNotes: [],
    signal: stop.signal,
    startedAt: drillClaimSince(clock.now(), dead),
  };
  return { dead, lock, releasedOnEarlyExit, target, restore, stop, say, ctx };
}

/** The person's yes (or exit 2), then what an earlier drill left behind is put right and noted in the report. */
async function confirmThenRecover(o: DrillOpts, ctx: DrillContext, dead: LockOwner | undefined): Promise<void> {
  if (!(await confirmed(o))) fail('not confirmed: re-run with --yes (or CLAWBACK_DRILL_YES=1) to let the drill break things', 2);
  for (const line of [...recoverAbandonedGuards(drillBackupRoots(ctx.target.stateDir)), ...(dead ? await liftDeadDrillHold(ctx, dead) : [])]) {
    ctx.say(line);
    ctx.reportNotes.push(line);
  }
}

/**
 * This drill's lock on the state directory, taken before the plan is printed or the user asked (exit 2 naming the
 * drill that holds it), with the killed drill it took over, if any. Until the run begins, every way out (a refusal, a
 * crash, Ctrl-C at the prompt) releases it: `releasedOnEarlyExit()` hands it to the run's own signal handlers.
 */
async function drillLockFirst(stateDir: string): Promise<{ dead: LockOwner | undefined; lock: FileLock; releasedOnEarlyExit: () => void }> {
  // Read before the takeover, which writes this drill's name over the killed one's.
  const dead = await deadDrillOf(stateDir);
  const r = await takeDrillLock(stateDir);
  if (!('lock' in r)) anotherDrillRuns(stateDir, r.heldBy);
  return { dead, lock: r.lock, releasedOnEarlyExit: releaseOnEarlyExit(r.lock) };
}

function anotherDrillRuns(stateDir: string, heldBy: LockOwner | null): never {
  const who = heldBy ? `pid ${heldBy.pid}, since ${new Date(heldBy.acquiredAt).toISOString()}` : 'its lock is being written';
  fail(`another drill is running against ${stateDir} (${who}); wait for it to end: two drills at once kill each other's instances and report each other's faults as their own`, 2);
}

/** Picks the target through the daemon, or exits with the drill's refusal codes. */
async function targetOrExit(program: Command, o: DrillOpts, dead: LockOwner | undefined): Promise<DrillTarget> {
  const link = new DaemonLink(clientStateDir(program.opts()));
  const status = await link.status();
  try {
    const target = resolveTarget(status, loadDaemonConfig(status), { ...(o.service ? { service: o.service } : {}), ...(o.leakUrl ? { leakUrl: o.leakUrl } : {}) });
    const live = status.services.find((s) => s.name === target.service.name);
    // A hold a killed drill left is lifted by this one once it has the lock (liftDeadDrillHold), not refused.
    const paused = live && (standingBy(live) ?? pausedByPerson(holdLeftByDeadDrill(live.held, dead) ? { ...live, held: null } : live));
    if (paused) throw new DrillRefused(`refusing to drill: ${paused}`, 2);
    // An update's run is not in the service's status: asked for on its own, and refused even with --force (a person's change).
    const updating = updateUnderWay(target.service.name, await link.updateRun(target.service.name));
    if (updating) throw new DrillRefused(`refusing to drill: ${updating}`, 2);
    // A recovery under way is the ladder's (one owner): the drill's faults and its `resume` would overrule it.
    const busy = live && !o.force && !holdLeftByDeadDrill(live.held, dead) && !incidentLeftByDeadDrill(live, dead) ? recoveryUnderWay(live) : undefined;
    if (busy) throw new DrillRefused(`refusing to drill: ${busy} (re-run with --force to drill anyway; the drill never resumes over it)`, 2);
    return target;
  } catch (err) {
    if (err instanceof DrillRefused) fail(err.message, err.exitCode);
    if (err instanceof ConfigError) fail(err.message, 2);
    throw err;
  }
}

async function chaosAction(program: Command, o: DrillOpts, storm: number): Promise<void> {
  if (o.duration === undefined) fail('drill chaos: --duration is required (e.g. --duration 1h)', 2);
  const meanInterval = o.meanInterval ?? 120_000;
  o.meanInterval = meanInterval;
  let kinds = defaultChaosKinds(SCENARIO_NAMES);
  if (o.scenarios) {
    const parsed = parseScenarioList(o.scenarios);
    if ('error' in parsed) fail(`--scenarios: ${parsed.error}`, 2);
    const excluded = parsed.filter((k) => k in CHAOS_EXCLUDED);
    if (excluded.length) fail(`--scenarios: ${excluded.map((k) => `${k} cannot be part of chaos (${CHAOS_EXCLUDED[k]})`).join('; ')}`, 2);
    kinds = parsed;
  }
  if (o.pollUrl) {
    let host: string;
    try {
      host = new URL(o.pollUrl).hostname.replace(/^\[|\]$/g, '');
    } catch {
      fail(`--poll-url: expected an http URL, got "${o.pollUrl}"`, 2);
    }
    if (!isLoopbackHost(host)) fail(`--poll-url: ${o.pollUrl} is not on loopback; drills are loopback only`, 2);
  }
  const seed = o.seed ?? Math.floor(Math.random() * 0xffffffff);
  const { dead, lock, releasedOnEarlyExit, target, restore, stop, say, ctx } = await drillSession(program, o, storm);
  const stamp = fileStamp(Date.now());
  const mdFile = path.resolve(o.report ?? path.join(target.stateDir, 'drills', `chaos-${stamp}.md`));
  const base = mdFile.replace(/\.md$/i, '');
  const command = chaosCommandLine(o, kinds, seed, storm);
  const skipped = skippedScenarios(ctx, kinds);
  process.stderr.write(
    [
      `clawback drill chaos will break "${target.service.name}" at random for ${formatMsArg(o.duration)} (daemon state dir ${target.stateDir}):`,
      `  a fault every ${formatMsArg(meanInterval)} on average (exponential, seed ${seed}), one at a time, each after the service is steady again, from:`,
      ...kinds.map((k) => `  - ${k}${skipped.has(k) ? ` (left out: ${skipped.get(k)})` : ''}: ${SCENARIO_PLANS[k].replace('N times', `${storm} times`)}`),
      `  availability polled from outside every ${o.pollInterval} ms (${o.pollUrl ?? 'the service health check'}); every wait is bounded by ${o.timeout} s`,
      ...[levelThreePlanLine(target.service)].filter((l) => l !== undefined),
      ...(target.service.configFile ? [`  your config ${target.service.configFile.path} is snapshotted before each fault that touches it and put back byte for byte, also on Ctrl-C`] : []),
      `  report: ${mdFile} (+ .json, .svg); reproduce with: ${command}`,
    ].join('\n') + '\n',
  );
  refuseWhenNothingApplies(target, kinds, skipped);
  await confirmThenRecover(o, ctx, dead);

  const tty = process.stderr.isTTY === true;
  let lastLineAt: number | undefined;
  const paceMs = progressPaceMs(o.duration);
  const progress = (line: string): void => {
    if (tty) process.stderr.write(`\r\x1b[K${line}`);
    // Spaced on the monotonic clock: a wall clock set back an hour hid every progress line for the hour.
    else if (lastLineAt === undefined || performance.now() - lastLineAt >= paceMs) {
      lastLineAt = performance.now();
      say(line);
    }
  };
  const uninstall = stopOnSignals(restore, stop, say, 'the chaos run');
  releasedOnEarlyExit();
  let report;
  try {
    report = await runChaos(ctx, { durationMs: o.duration, meanIntervalMs: meanInterval, seed, kinds, ...(o.pollUrl ? { pollUrl: o.pollUrl } : {}), pollIntervalMs: o.pollInterval, command, progress });
  } finally {
    restore.unwindAll();
    uninstall();
    await lock.release();
    if (tty) process.stderr.write('\n');
  }
  const svgFile = `${base}.svg`;
  const json = JSON.stringify(report, null, 2) + '\n';
  const saved = printThenSave(o.json ? `${JSON.stringify(report)}\n` : summaryRows(report).map(([k, v]) => `${k}: ${v}`).join('\n') + '\n', [
    [mdFile, renderChaosMarkdown(report, path.basename(svgFile))],
    [`${base}.json`, json],
    [svgFile, renderChaosSvg(report)],
  ], say);
  process.exitCode = !saved ? SYSEXITS.SOFTWARE : report.stoppedEarly ? 130 : report.faults.every((f) => f.recovered) ? 0 : 1;
}
