// Pure parts of an update: the plan shown by --dry-run and run step by step, and the verdict of the watch after a switch.
import path from 'node:path';
import type { ServiceConfig } from '../config/schema.js';
import type { UpdateConfig } from './update-schema.js';
import { formatDuration } from '../config/duration.js';
import { describeIncludeProblems } from '../platform/config-includes.js';

export interface UpdatePlanInput {
  service: ServiceConfig;
  update: UpdateConfig;
  /** Resolved versions directory. */
  dir: string;
  from: string | undefined;
  to: string;
  /** True when <dir>/<to> already holds that version. */
  installed: boolean;
  readyUrl: string | undefined;
  backupDir: string;
  /** Entries of update.stateFiles (exact paths) that are directories now: refused, a backup copies files. */
  stateDirs?: string[];
  /** What the backup does with the config's `$include` files (run-update includesNote): the plan says what the run will copy. */
  configIncludes?: string;
  /** The config's includes the service would be refused on at its next start (run-update configFilesOf): the update is refused. */
  refusedIncludes?: ReadonlyArray<{ file: string; problem: string }>;
}

/**
 * Why an update is refused on the config's includes: the start after the switch would be refused (the daemon's preflight
 * holds a service whose include is missing or does not parse; OpenClaw refuses one outside the config's folder), and the
 * rollback's start of the old version alike, so a running service would be left down.
 */
export function includesRefusal(configPath: string, refused: ReadonlyArray<{ file: string; problem: string }>): string {
  return `${configPath} includes ${describeIncludeProblems(refused)}: the new version would be refused this config at its start, and the old one at a rollback's, so nothing is stopped; put the include right (a file inside ${path.dirname(path.resolve(configPath))}), then update`;
}

/** Why a directory named in update.stateFiles is refused, with what to write instead. */
export function stateDirRefusal(dir: string): string {
  return `update.stateFiles names the directory ${dir}: a backup copies files, not directories (nothing in it would be backed up or restored); name its files, or a glob such as ${dir.replace(/\/+$/, '')}/*`;
}

export type StepName = 'install' | 'validate' | 'stop' | 'backup' | 'switch' | 'start' | 'watch' | 'prune';

export interface PlanStep {
  step: StepName;
  text: string;
}

export interface UpdatePlan {
  service: string;
  from: string | null;
  to: string;
  /** Problems that stop the update before anything is touched. */
  blockers: string[];
  steps: PlanStep[];
}

/** The install spec npm gets: {package} and {version} replaced in `source`. */
export function installSpec(u: UpdateConfig, version: string): string {
  return u.source.replaceAll('{package}', u.package).replaceAll('{version}', version);
}

/** True when argv runs something through <dir>/current (so a switch of the link changes what runs). */
export function runsThrough(argv: readonly string[], currentLink: string): boolean {
  return argv.some((a) => a === currentLink || a.startsWith(`${currentLink}${path.sep}`) || a.includes(`=${currentLink}${path.sep}`));
}

/** argv with <dir>/current replaced by <dir>/<version>: the same command, run by another installed version. */
export function retarget(argv: readonly string[], currentLink: string, versionDir: string): string[] {
  return argv.map((a) => a.split(currentLink).join(versionDir));
}

/** The validator of the config, as the new version runs it ({file} = the live config); undefined without one. */
export function validateArgv(service: ServiceConfig, currentLink: string, versionDir: string): string[] | undefined {
  const cf = service.configFile;
  if (!cf?.validateCommand) return undefined;
  return retarget(cf.validateCommand, currentLink, versionDir).map((a) => a.replaceAll('{file}', cf.path));
}

export function planUpdate(p: UpdatePlanInput): UpdatePlan {
  const link = path.join(p.dir, 'current');
  const blockers: string[] = [];
  if (p.service.external) blockers.push(`${p.service.name} is run by an outside service manager (external): Clawback cannot switch its command`);
  else if (!runsThrough(p.service.command, link)) blockers.push(`${p.service.name}'s command does not run through ${link}, so switching versions would change nothing; point it there (e.g. [node, ${link}/node_modules/${p.update.package}/openclaw.mjs, gateway, run, ...])`);
  if (p.from === undefined) blockers.push(`${link} does not exist: no version is active to update from (install one there first)`);
  if (p.from === p.to) blockers.push(`${p.service.name} already runs ${p.update.package} ${p.to}`);
  for (const d of p.stateDirs ?? []) blockers.push(stateDirRefusal(d));
  if (p.service.configFile && p.refusedIncludes?.length) blockers.push(includesRefusal(p.service.configFile.path, p.refusedIncludes));
  const vdir = path.join(p.dir, p.to);
  const validator = validateArgv(p.service, link, vdir);
  const validatorNote = p.service.configFile?.validateCommand && !runsThrough(p.service.configFile.validateCommand, link) ? ' (its validator does not run through current: the OLD version validates)' : '';
  const stateFiles = p.update.stateFiles.length > 0 ? ` and state files ${p.update.stateFiles.join(', ')}` : ' (no update.stateFiles listed: state files are not backed up)';
  const steps: PlanStep[] = [
    { step: 'install', text: p.installed ? `reuse ${p.update.package} ${p.to}, already installed in ${vdir}` : `install ${installSpec(p.update, p.to)} into ${vdir} (beside the current one; a temporary prefix renamed when complete)` },
    { step: 'validate', text: validator ? `validate ${p.service.configFile!.path} with the new version: ${validator.join(' ')}${validatorNote}` : 'no validator configured (configFile.validateCommand): the config is not checked before the switch' },
    { step: 'stop', text: `ask ${p.service.name}'s reducer to stop it` },
    { step: 'backup', text: `copy the config${p.service.configFile ? ` ${p.service.configFile.path}${p.configIncludes ?? ''}` : ''}${stateFiles} into ${p.backupDir}` },
    { step: 'switch', text: `point ${link} at ${p.to} (was ${p.from ?? 'nothing'}) and record it in ${path.join(p.dir, 'active.json')}` },
    { step: 'start', text: `ask ${p.service.name}'s reducer to start it` },
    {
      step: 'watch',
      text: `wait up to ${formatDuration(p.update.watch)} for ${p.readyUrl ?? 'a healthy verdict'}, then ${formatDuration(p.update.settle)} without an exit; roll back (${p.from ?? '?'}, restored backups) on exit 78, ${p.update.crashLoopExits} exits (crash loop) or no readiness in time`,
    },
    { step: 'prune', text: `keep ${p.update.keepVersions} versions in ${p.dir} (never the active or the previous one)` },
  ];
  return { service: p.service.name, from: p.from ?? null, to: p.to, blockers, steps };
}

/** What the service's reducer holds it in, as its status shows it: the hold (breaker open, waiting for a person) and work in flight. */
export interface ReducerHold {
  held: { reason: string; detail: string } | null;
  work: { kind: string; id: string } | null;
}

/**
 * Pure: why the reducer's state forbids an update now, undefined when it allows one. A repair at work on the service's
 * files (doctor, agent, the revert of an agent's changes) is never raced. A held service (the crash-loop breaker open,
 * a config or preflight failure, waiting for a person) is updated only when the person says so (`--force`): the
 * update's start would lift the hold, and a rollback would restart the old version that crash-looped, both without the
 * `clawback resume` Level 4 waits for.
 */
export function holdBlocker(name: string, h: ReducerHold, force: boolean): string | undefined {
  if (h.work && ['doctor', 'agent', 'revert'].includes(h.work.kind)) {
    return `${name} has a ${h.work.kind} run at work on it (${h.work.id}): wait until it is over (\`clawback status ${name}\`), then update`;
  }
  if (h.held && h.held.reason !== 'repair' && !force) {
    return `${name} is held (${h.held.reason}: ${h.held.detail}), waiting for a person: run \`clawback resume ${name}\` first, or \`clawback update ${name} <version> --force\` to update it as it is (the update starts it, which lifts the hold)`;
  }
  return undefined;
}

export function formatPlan(plan: UpdatePlan): string {
  const lines = [`update ${plan.service}: ${plan.from ?? '(none)'} -> ${plan.to}`];
  plan.steps.forEach((s, i) => lines.push(`  ${i + 1}. ${s.step}: ${s.text}`));
  for (const b of plan.blockers) lines.push(`  blocked: ${b}`);
  return lines.join('\n');
}

// ---- the watch after the switch -----------------------------------------------------------------

export interface WatchPolicy {
  watchMs: number;
  settleMs: number;
  crashLoopExits: number;
}

export interface WatchFacts {
  startedAt: number;
  now: number;
  /** Exits of the service since the switch. */
  exits: Array<{ code: number | null; signal: string | null; time: number }>;
  /** When readiness was last seen passing without an exit since; null when not (or no longer) ready. */
  readySince: number | null;
  /** Who turned maintenance on since the switch, if anyone: a person now owns the service, the update hands over. */
  maintenanceBy?: string | null;
}

export type WatchVerdict = { kind: 'wait' } | { kind: 'ok' } | { kind: 'rollback'; reason: string } | { kind: 'handover'; by: string };

/** Pure: after a switch, keep watching, call it a success, or roll back (and why). */
export function watchVerdict(f: WatchFacts, p: WatchPolicy): WatchVerdict {
  // A person holds the service in maintenance: no stop, restore or switch under them (nothing a rollback would do).
  if (f.maintenanceBy) return { kind: 'handover', by: f.maintenanceBy };
  const e78 = f.exits.find((e) => e.code === 78);
  if (e78) return { kind: 'rollback', reason: 'the new version exited with 78 (config, lock or schema problem)' };
  if (f.exits.length >= p.crashLoopExits) {
    const last = f.exits[f.exits.length - 1]!;
    return { kind: 'rollback', reason: `crash loop: ${f.exits.length} exits since the switch (last ${last.code !== null ? `code ${last.code}` : `signal ${last.signal}`})` };
  }
  if (f.readySince !== null && f.now - f.readySince >= p.settleMs) return { kind: 'ok' };
  if (f.now - f.startedAt >= p.watchMs) return { kind: 'rollback', reason: `readiness failure: not ready and settled within ${formatDuration(p.watchMs)}` };
  return { kind: 'wait' };
}
