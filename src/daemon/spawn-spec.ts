// How a service's configured command becomes a concrete spawn: argv, cwd, environment, log file.
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { ServiceConfig } from '../config/schema.js';
import type { SpawnSpec } from '../supervisor/service-process.js';
import { serviceEnv } from '../config/service-env.js';

export function serviceLogFile(service: ServiceConfig, stateDir: string): string {
  return path.join(service.logs.dir ?? path.join(stateDir, 'logs'), `${service.name}.log`);
}

/**
 * Which start of the service a process belongs to: a fresh id per spawn, inherited by every worker the instance starts,
 * even one in its own session whose launcher exited (out of the instance's tree and group). A marked process carrying
 * the live instance's id is part of it, one with another id is what an earlier instance left.
 */
export const START_ID_MARKER = 'CLAWBACK_START_ID';

/**
 * Every process Clawback starts carries who supervises it. Its children inherit them, and unlike a
 * command line (which a program may rewrite) they identify a stale instance of this service later.
 */
export function supervisionMarkers(service: ServiceConfig, stateDir: string, instanceId: string = randomUUID()): Record<string, string> {
  return { CLAWBACK_SERVICE: service.name, CLAWBACK_SUPERVISED_BY: stateDir, [START_ID_MARKER]: instanceId };
}

export function spawnSpecFor(service: ServiceConfig, stateDir: string, parent: NodeJS.ProcessEnv = process.env): SpawnSpec {
  return {
    argv: service.command,
    shell: service.shell,
    cwd: service.cwd ?? process.cwd(),
    env: { ...serviceEnv(service, parent), ...supervisionMarkers(service, stateDir) },
    logFile: serviceLogFile(service, stateDir),
    ...(service.logs.redact ? { redactLog: true } : {}),
  };
}
