// One Level 3 scenario for tests: a temp dir, a broken demo gateway behind a real host, config and event capture.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serviceSchema } from '../../src/config/schema.js';
import type { ServiceConfig } from '../../src/config/schema.js';
import type { Incident } from '../../src/decide/service-state.js';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { Redactor } from '../../src/observe/redact.js';
import { systemClock } from '../../src/platform/clock.js';
import { emergencySchema, type EmergencyConfigInput } from '../../src/emergency/emergency-schema.js';
import { runEmergency, type RunEmergencyOptions } from '../../src/emergency/run-emergency.js';
import { DemoHost } from './host-impl.js';

export const BROKEN_CONFIG = `${JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 'oops' }, null, 2)}\n`;
export const FIXED_CONFIG = `${JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 0 }, null, 2)}\n`;

export interface Scenario {
  dir: string;
  stateDir: string;
  host: DemoHost;
  service: ServiceConfig;
  events: ClawbackEvent[];
  redactor: Redactor;
  incident(id?: string): Incident;
  run(cfg: EmergencyConfigInput, extra?: Partial<RunEmergencyOptions>, incidentId?: string): ReturnType<typeof runEmergency>;
  cleanup(): Promise<void>;
}

let counter = 0;

/** cwd: the service's working directory as a subdirectory of the scenario's (its config then lies outside it). */
/** base: where the scenario's temp dir is made (a small tmpfs for full-disk tests); the system temp dir by default. */
export async function makeScenario(opts: { configText?: string; env?: Record<string, string>; name?: string; cwd?: string; protect?: string[]; base?: string } = {}): Promise<Scenario> {
  const dir = await fs.mkdtemp(path.join(opts.base ?? os.tmpdir(), 'clawback-emergency-'));
  const stateDir = path.join(dir, 'state');
  await fs.mkdir(stateDir);
  const name = opts.name ?? 'gw';
  const host = await DemoHost.create({ dir, serviceName: name, configText: opts.configText ?? BROKEN_CONFIG, env: opts.env });
  const cwd = opts.cwd ? path.join(dir, opts.cwd) : dir;
  if (opts.cwd) await fs.mkdir(cwd, { recursive: true });
  const service = serviceSchema.parse({ name, command: ['node', 'server.mjs'], cwd, env: opts.env ?? {}, configFile: { path: host.configPath, ...(opts.protect ? { protect: opts.protect } : {}) } });
  const events: ClawbackEvent[] = [];
  const redactor = new Redactor();
  const incident = (id = `inc-${process.pid}-${++counter}`): Incident => ({
    id,
    openedAt: Date.now() - 60_000,
    level: 3,
    highestLevel: 3,
    reason: 'gateway exits with code 78 (EX_CONFIG) at every start',
    doctorRuns: 2,
    agentRuns: 1,
    status: 'open',
  });
  return {
    dir,
    stateDir,
    host,
    service,
    events,
    redactor,
    incident,
    run(cfg, extra = {}, incidentId) {
      return runEmergency({
        incident: incident(incidentId),
        service,
        config: emergencySchema.parse(cfg),
        host,
        clock: systemClock(),
        redactor,
        stateDir,
        emit: (e) => events.push(e),
        context: { healthCheck: 'GET /health on the gateway port -> 200' },
        ...extra,
      });
    },
    async cleanup() {
      await host.stop();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
