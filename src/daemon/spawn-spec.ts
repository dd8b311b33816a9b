// How a service's configured command becomes a concrete spawn: argv, cwd, environment, log file.
import path from 'node:path';
import type { ServiceConfig } from '../config/schema.js';
import type { SpawnSpec } from '../supervisor/service-process.js';

export function serviceLogFile(service: ServiceConfig, stateDir: string): string {
  return path.join(service.logs.dir ?? path.join(stateDir, 'logs'), `${service.name}.log`);
}

/** The child's environment: inherited (minus unsetEnv) plus the service's own variables. */
export function serviceEnv(service: ServiceConfig, parent: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {};
  const base = service.inheritEnv ? parent : { PATH: parent.PATH, HOME: parent.HOME, CLAWBACK_TEST_CHILD: parent.CLAWBACK_TEST_CHILD };
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
  for (const k of service.unsetEnv) delete env[k];
  Object.assign(env, service.env);
  return env;
}

export function spawnSpecFor(service: ServiceConfig, stateDir: string, parent: NodeJS.ProcessEnv = process.env): SpawnSpec {
  return {
    argv: service.command,
    shell: service.shell,
    cwd: service.cwd ?? process.cwd(),
    env: serviceEnv(service, parent),
    logFile: serviceLogFile(service, stateDir),
  };
}
