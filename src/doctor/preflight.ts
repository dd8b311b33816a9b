// Before (re)starting a service: can it start at all? Command, cwd, config, env and port, checked in milliseconds.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ServiceConfig } from '../config/schema.js';
import type { CommandRunner, Finding } from './types.js';
import { serviceEnv, spawnRunner } from './command-runner.js';
import { checkConfigFile } from './config-validity.js';
import { resolveCommand } from '../platform/resolve-command.js';
import { envProgram, readShebang } from '../platform/shebang.js';
import { checkPortFree, type PortCheck } from './port-bind-check.js';
import { serviceBindHosts } from './bind-hosts.js';

export type PreflightCheck = 'command' | 'cwd' | 'config' | 'env' | 'port';

/** A slow step of the preflight under way (the config validator): what runs and how long it may take. */
export interface PreflightStep {
  step: 'validating config';
  command: readonly string[];
  budgetMs: number;
}

export interface PreflightOptions {
  /** Runs the config's validateCommand; default a real spawn. */
  runner?: CommandRunner;
  /** Override of the bind test (true = in use). */
  portInUse?: (port: number) => Promise<boolean>;
  /** The daemon's environment the service would inherit; default process.env. */
  inheritedEnv?: NodeJS.ProcessEnv;
  /** Which checks to run; default all. */
  only?: readonly PreflightCheck[];
  /** Ends the config validator (its process group and what escaped it) when the start is cancelled. */
  signal?: AbortSignal;
}

/** Findings that would stop the service from starting; [] means "go". Findings here are reports (fixable: false). */
export async function preflight(service: ServiceConfig, opts: PreflightOptions = {}): Promise<Finding[]> {
  const wanted = new Set<PreflightCheck>(opts.only ?? ['command', 'cwd', 'config', 'env', 'port']);
  const env = serviceEnv(service, opts.inheritedEnv ?? process.env);
  const checks: Promise<Finding[]>[] = [];
  if (wanted.has('command')) checks.push(checkCommand(service, env));
  if (wanted.has('cwd')) checks.push(checkCwd(service));
  if (wanted.has('config')) checks.push(checkConfig(service, opts.runner ?? spawnRunner(), opts.signal));
  if (wanted.has('env')) checks.push(Promise.resolve(checkEnv(service, env)));
  if (wanted.has('port')) checks.push(checkPort(service, opts.portInUse));
  return (await Promise.all(checks)).flat();
}

function finding(rule: string, subject: string, severity: Finding['severity'], title: string, evidence: string, fix: string): Finding {
  return { id: `${rule}:${subject}`, rule, severity, title, evidence, fix, fixable: false };
}

async function checkCommand(service: ServiceConfig, env: Record<string, string>): Promise<Finding[]> {
  const argv = service.external ? (service.external.startCommand ?? service.external.restartCommand) : service.command;
  const cmd = service.shell && !service.external ? '/bin/sh' : argv[0];
  if (cmd === undefined) return [finding('preflight.command', service.name, 'critical', 'no command', 'command is empty', 'set command')];
  const cwd = service.cwd ?? process.cwd();
  const resolved = await resolveCommand(cmd, env, cwd);
  if (resolved) return service.shell && !service.external ? [] : checkInterpreter(cmd, resolved, env, cwd);
  const where = cmd.includes('/') ? `${path.resolve(cwd, cmd)} does not exist or is not executable` : `"${cmd}" is not on PATH (${env.PATH ?? 'PATH unset'})`;
  return [
    finding('preflight.command', cmd, 'critical', `command "${cmd}" not found`, where, 'install the program, fix the path in command, or set PATH in the service env'),
  ];
}

/**
 * A script found and executable still fails every start when its `#!` interpreter is missing: spawn says ENOENT, as if
 * the script itself were missing, and the crash-loop breaker tripped on a start that never ran. Named here instead: the
 * script, its line 1, the interpreter and what to do.
 */
async function checkInterpreter(cmd: string, script: string, env: Record<string, string>, cwd: string): Promise<Finding[]> {
  const sb = readShebang(script);
  if (!sb) return [];
  const subject = `${script}:interpreter`;
  const title = (what: string): string => `the interpreter of "${cmd}" ${what}`;
  if (sb.crlf) {
    return [
      finding('preflight.command', subject, 'critical', title('cannot be run'), `${script} line 1 "${sb.line}" ends with a carriage return (Windows line ends): ${sb.arg ? `${sb.interpreter} is given "${sb.arg.replace(/\r$/, '')}\\r"` : `the kernel looks for "${sb.interpreter.replace(/\r$/, '')}\\r", which does not exist`}`, `convert ${script} to Unix line ends (dos2unix ${script}, or sed -i 's/\\r$//' ${script})`),
    ];
  }
  const interp = path.resolve(cwd, sb.interpreter);
  if (!(await resolveCommand(interp, env, cwd))) {
    return [
      finding('preflight.command', subject, 'critical', title(`"${sb.interpreter}" not found`), `${script} line 1 "${sb.line}" names ${interp}, which does not exist or is not executable: every start fails before the script runs (spawn ENOENT or EACCES)`, `install ${path.basename(sb.interpreter)} at ${interp}, or change line 1 of ${script} to an interpreter that exists (e.g. #!/usr/bin/env ${path.basename(sb.interpreter)})`),
    ];
  }
  const program = envProgram(sb);
  if (program === undefined || (await resolveCommand(program, env, cwd))) return [];
  const where = program.includes('/') ? `${path.resolve(cwd, program)} does not exist or is not executable` : `"${program}" is not on the service's PATH (${env.PATH ?? 'PATH unset'})`;
  return [
    finding('preflight.command', subject, 'critical', title(`"${program}" not found`), `${script} line 1 "${sb.line}" runs ${program} through env: ${where} (env exits 127 at every start)`, `install ${program}, set PATH in the service env to include it, or change line 1 of ${script}`),
  ];
}

async function checkCwd(service: ServiceConfig): Promise<Finding[]> {
  if (service.cwd === undefined) return [];
  try {
    if ((await fs.stat(service.cwd)).isDirectory()) return [];
    return [finding('preflight.cwd', service.cwd, 'critical', 'cwd is not a directory', `${service.cwd} exists but is not a directory`, 'fix cwd')];
  } catch {
    return [finding('preflight.cwd', service.cwd, 'critical', 'cwd does not exist', `${service.cwd} does not exist`, 'create the directory or fix cwd')];
  }
}

async function checkConfig(service: ServiceConfig, runner: CommandRunner, signal?: AbortSignal): Promise<Finding[]> {
  if (!service.configFile) return [];
  const c = await checkConfigFile(service, runner, signal ? { signal } : {});
  if (c.state === 'valid') return [];
  return [
    finding(
      'preflight.config',
      service.configFile.path,
      'critical',
      `config file ${c.state}`,
      `${service.configFile.path}: ${c.error ?? c.state}`,
      'run `clawback doctor --fix` to restore the last-known-good config, or fix the file',
    ),
  ];
}

function checkEnv(service: ServiceConfig, env: Record<string, string>): Finding[] {
  return service.requiredEnv
    .filter((key) => env[key] === undefined || env[key] === '')
    .map((key) =>
      finding('preflight.env', key, 'critical', `environment variable ${key} is missing`, `${key} is neither in the service env nor inherited (or it is empty)`, `set ${key} in the service env or the daemon's environment`),
    );
}

async function checkPort(service: ServiceConfig, override?: (port: number) => Promise<boolean>): Promise<Finding[]> {
  if (service.port === undefined) return [];
  const port = service.port;
  const c: PortCheck = override ? { state: (await override(port)) ? 'in-use' : 'free' } : await checkPortFree(port, await serviceBindHosts(service));
  if (c.state === 'free') return [];
  if (c.uncertain) {
    // Which address the service binds is not known, and 127.0.0.1 was free: a start may well succeed, so no hold.
    return [
      finding('preflight.port', String(port), 'info', `port ${port} is taken on some address`, `bind ${c.host ?? ''}:${port} failed (${c.error ?? c.state}) while 127.0.0.1:${port} is free; a service that binds the wildcard would fail`, 'if the service fails to start, run `clawback doctor` to see who holds it'),
    ];
  }
  if (c.state === 'denied') {
    return [finding('preflight.port', String(port), 'warning', `port ${port} cannot be bound`, `${c.host ?? ''}:${port}: ${c.error ?? 'permission denied'}`, 'use a port above 1023 or grant the bind capability')];
  }
  return [
    finding('preflight.port', String(port), 'critical', `port ${port} is in use`, `bind ${c.host ?? ''}:${port} failed: ${c.error ?? 'EADDRINUSE'}`, 'run `clawback doctor` to see who holds it'),
  ];
}
