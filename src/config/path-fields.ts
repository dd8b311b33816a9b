// Every field that names a file or folder, and every argv, listed once: one rule for all of them (a leading `~` or
// `~/` is the home, nothing else is expanded) instead of a rule per field (`cwd: ~/app` worked, a log probe's
// `file: ~/out.log` became ./~/out.log under the daemon's cwd, `logs.dir: $HOME/logs` made a folder named `$HOME`).
// The one table both the loader (resolving) and the literal-path warnings read: a field added here is both resolved
// and checked, so the two can no longer drift apart.
import type { ClawbackConfig } from './schema.js';

type Service = ClawbackConfig['services'][number];

/** A path field of the file, as written (`services[0].logs.dir`). */
export interface PathField {
  field: string;
  value: string;
}

/**
 * What a relative path is relative to: the config file's folder, the service's cwd, the folder of the service's
 * configFile.path (its backup globs), or none here (stateDir: a flag or variable may replace it, load.ts resolves it).
 */
export type PathBase = 'file-folder' | 'service-cwd' | 'config-file-folder' | 'resolved-elsewhere';

/** One path field of a parsed config: where it is, what it is relative to, and how to read and replace its value. */
export interface PathSlot {
  field: string;
  base: PathBase;
  get(): string | undefined;
  set(value: string): void;
}

/** An argv of the file (never a shell: its entries are passed as written). */
export interface ArgvField {
  field: string;
  argv: readonly string[];
}

/**
 * The path fields of one service, as `services[i].…`, cwd first (the others are relative to it), configFile.path
 * before its backup globs. Lists are replaced, never changed in place (a scaled service's instances each resolve
 * their own).
 */
function serviceSlots(s: Service, i: number): PathSlot[] {
  const at = `services[${i}]`;
  const out: PathSlot[] = [];
  const one = (field: string, base: PathBase, get: () => string | undefined, set: (v: string) => void): void => {
    out.push({ field: `${at}.${field}`, base, get, set });
  };
  const many = (field: string, base: PathBase, get: () => readonly string[] | undefined, put: (a: string[]) => void): void =>
    get()?.forEach((_, j) =>
      one(`${field}[${j}]`, base, () => get()?.[j], (v) => {
        const a = [...(get() ?? [])];
        a[j] = v;
        put(a);
      }),
    );
  one('cwd', 'file-folder', () => s.cwd, (v) => { s.cwd = v; });
  const cf = s.configFile;
  if (cf) {
    one('configFile.path', 'service-cwd', () => cf.path, (v) => { cf.path = v; });
    many('configFile.backupGlobs', 'config-file-folder', () => cf.backupGlobs, (a) => { cf.backupGlobs = a; });
  }
  one('logs.dir', 'file-folder', () => s.logs.dir, (v) => { s.logs.dir = v; });
  many('pidFiles', 'service-cwd', () => s.pidFiles, (a) => { s.pidFiles = a; });
  many('lockFiles', 'service-cwd', () => s.lockFiles, (a) => { s.lockFiles = a; });
  many('requiredDirs', 'service-cwd', () => s.requiredDirs, (a) => { s.requiredDirs = a; });
  const ext = s.external;
  if (ext) one('external.pidFile', 'service-cwd', () => ext.pidFile, (v) => { ext.pidFile = v; });
  const up = s.update;
  if (up) {
    one('update.dir', 'service-cwd', () => up.dir, (v) => { up.dir = v; });
    many('update.stateFiles', 'service-cwd', () => up.stateFiles, (a) => { up.stateFiles = a; });
    many('update.pathPrefix', 'service-cwd', () => up.pathPrefix, (a) => { up.pathPrefix = a; });
  }
  const em = s.emergency;
  if (em) many('emergency.allowedPaths', 'service-cwd', () => em.allowedPaths, (a) => { em.allowedPaths = a; });
  s.probes.forEach((p, j) => {
    if (p.kind === 'config') one(`probes[${j}].path`, 'service-cwd', () => p.path, (v) => { p.path = v; });
    if (p.kind === 'log') one(`probes[${j}].file`, 'service-cwd', () => p.file, (v) => { p.file = v; });
    if (p.kind === 'command') one(`probes[${j}].cwd`, 'service-cwd', () => p.cwd, (v) => { p.cwd = v; });
  });
  return out;
}

/** Every path field of a parsed config, in the order they resolve: the state dir, the cluster's TLS files, each service's. */
export function pathSlots(c: ClawbackConfig): PathSlot[] {
  const out: PathSlot[] = [{ field: 'stateDir', base: 'resolved-elsewhere', get: () => c.stateDir, set: (v) => { c.stateDir = v; } }];
  const tls = c.cluster?.tls;
  if (tls) for (const k of ['ca', 'cert', 'key'] as const) out.push({ field: `cluster.tls.${k}`, base: 'file-folder', get: () => tls[k], set: (v) => { tls[k] = v; } });
  c.services.forEach((s, i) => out.push(...serviceSlots(s, i)));
  return out;
}

/** Every path field of the file that holds a value, as written. */
export function pathFields(c: ClawbackConfig): PathField[] {
  return pathSlots(c).flatMap((f) => {
    const value = f.get();
    return value === undefined ? [] : [{ field: f.field, value }];
  });
}

/** Every argv of the file run without a shell (a service's `shell: true` command is run by /bin/sh, which expands). */
export function argvFields(c: ClawbackConfig): ArgvField[] {
  const out: ArgvField[] = [];
  c.services.forEach((s, i) => {
    const at = `services[${i}]`;
    const one = (field: string, argv: readonly string[] | undefined): void => {
      if (argv && argv.length > 0) out.push({ field: `${at}.${field}`, argv });
    };
    if (!s.shell) one('command', s.command);
    one('configFile.validateCommand', s.configFile?.validateCommand);
    one('doctor.command', s.doctor.command);
    one('external.pidCommand', s.external?.pidCommand);
    one('external.restartCommand', s.external?.restartCommand);
    one('external.startCommand', s.external?.startCommand);
    one('external.stopCommand', s.external?.stopCommand);
    one('autoscale.command', s.autoscale?.command);
    one('emergency.command', s.emergency?.command);
    // The agent's executable (argv[0] of the claude/codex/gemini run): run as written, like every argv.
    one('emergency.binary', s.emergency?.binary === undefined ? undefined : [s.emergency.binary]);
    one('openclaw.cli', s.openclaw?.cli);
    one('update.npm', s.update?.npm);
    one('update.installArgs', s.update?.installArgs);
    s.probes.forEach((p, j) => {
      if (p.kind === 'command') one(`probes[${j}].command`, p.command);
      if (p.kind === 'config') one(`probes[${j}].validateCommand`, p.validateCommand);
    });
  });
  return out;
}
