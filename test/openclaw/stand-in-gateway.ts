// The stand-in OpenClaw gateway (fixtures/fake-gateway.mjs, its CLI fake-openclaw.mjs) as one supervised service, for the
// tests of the daemon's checks of the gateway's config file (tls-drift, bind-drift, config-clobbered, inherited token).
import { fileURLToPath } from 'node:url';
import type { ClawbackEvent } from '../../src/observe/events.js';
import type { TestDaemon } from '../helpers/daemon.js';

export const FAKE_GATEWAY = fileURLToPath(new URL('./fixtures/fake-gateway.mjs', import.meta.url));
export const FAKE_CLI = fileURLToPath(new URL('./fixtures/fake-openclaw.mjs', import.meta.url));

/**
 * The service: the stand-in on `port` (extra `args` after it), its config `cfg` (json5), a 2 s stop grace, and an http
 * liveness probe with a long start grace (a finding, not a restart, is what these tests are about) unless `probes` given.
 */
export function standInGateway(o: { name?: string; port: number; cfg: string; args?: string[]; probes?: unknown[]; extra?: Record<string, unknown> }): Record<string, unknown> {
  const url = `http://127.0.0.1:${o.port}`;
  return {
    name: o.name ?? 'gw',
    command: [process.execPath, FAKE_GATEWAY, String(o.port), ...(o.args ?? [])],
    port: o.port,
    configFile: { path: o.cfg, format: 'json5' },
    stop: { grace: '2s' },
    openclaw: { cli: [process.execPath, FAKE_CLI], otherSupervisorCheck: false },
    probes: o.probes ?? [{ kind: 'http', name: 'liveness', url: `${url}/healthz`, interval: '1s', timeout: '1s', startupGrace: '60s' }],
    ...o.extra,
  };
}

/** The daemon's doctor.finding events of one rule so far. */
export function findingsOf(td: TestDaemon, rule: string): ClawbackEvent[] {
  return td.events.filter((e) => e.type === 'doctor.finding' && e.details?.rule === rule);
}
