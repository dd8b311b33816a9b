// Every field that names a file or folder, and every argv, listed once: one rule for all of them (a leading `~` or
// `~/` is the home, nothing else is expanded) instead of a rule per field (`cwd: ~/app` worked, a log probe's
// `file: ~/out.log` became ./~/out.log under the daemon's cwd, `logs.dir: $HOME/logs` made a folder named `$HOME`).
import type { ClawbackConfig } from './schema.js';

type Service = ClawbackConfig['services'][number];

/** A path field of the file, as written (`services[0].logs.dir`). */
export interface PathField {
  field: string;
  value: string;
}

/** An argv of the file (never a shell: its entries are passed as written). */
export interface ArgvField {
  field: string;
  argv: readonly string[];
}

/** The path fields of one service, as `services[i].…`. */
function servicePaths(s: Service, i: number): PathField[] {
  const at = `services[${i}]`;
  const out: PathField[] = [];
  const one = (field: string, value: string | undefined): void => {
    if (value !== undefined) out.push({ field: `${at}.${field}`, value });
  };
  const many = (field: string, values: readonly string[] | undefined): void => values?.forEach((v, j) => one(`${field}[${j}]`, v));
  one('cwd', s.cwd);
  one('configFile.path', s.configFile?.path);
  one('logs.dir', s.logs.dir);
  many('pidFiles', s.pidFiles);
  many('lockFiles', s.lockFiles);
  many('requiredDirs', s.requiredDirs);
  one('external.pidFile', s.external?.pidFile);
  one('update.dir', s.update?.dir);
  many('update.stateFiles', s.update?.stateFiles);
  many('update.pathPrefix', s.update?.pathPrefix);
  many('emergency.allowedPaths', s.emergency?.allowedPaths);
  s.probes.forEach((p, j) => {
    if (p.kind === 'config') one(`probes[${j}].path`, p.path);
    if (p.kind === 'log') one(`probes[${j}].file`, p.file);
    if (p.kind === 'command') one(`probes[${j}].cwd`, p.cwd);
  });
  return out;
}

/** Every path field of the file: the state dir, the cluster's TLS files, each service's. */
export function pathFields(c: ClawbackConfig): PathField[] {
  const out: PathField[] = [];
  if (c.stateDir !== undefined) out.push({ field: 'stateDir', value: c.stateDir });
  const tls = c.cluster?.tls;
  if (tls) for (const k of ['ca', 'cert', 'key'] as const) if (tls[k] !== undefined) out.push({ field: `cluster.tls.${k}`, value: tls[k] });
  c.services.forEach((s, i) => out.push(...servicePaths(s, i)));
  return out;
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
    s.probes.forEach((p, j) => {
      if (p.kind === 'command') one(`probes[${j}].command`, p.command);
      if (p.kind === 'config') one(`probes[${j}].validateCommand`, p.validateCommand);
    });
  });
  return out;
}
