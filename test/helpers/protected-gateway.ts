// One service whose json5 config protects gateway.auth.token, a plain instance server probed every 300 ms with fast
// last-known-good snapshots: the daemon set-up of the tests of the protected-removed warning and its all-clear.
import path from 'node:path';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { FIXTURES, NODE, type TestDaemon } from './daemon.js';

/** The clawback config (for startTestDaemon) of service `gw` on `port`, its config file `cfg`. */
export function protectedGateway(cfg: string, port: number): { services: Array<Record<string, unknown>> } {
  return {
    services: [
      {
        name: 'gw',
        command: [NODE, path.join(FIXTURES, 'instance-server.mjs'), String(port)],
        port,
        // A stand-in for OpenClaw's gateway, which hot-reloads its config: an edit runs without a restart.
        configFile: { path: cfg, format: 'json5', protect: ['gateway.auth.token'], reload: 'live' },
        doctor: { snapshotAfter: '300ms' },
        probes: [{ kind: 'http', url: `http://127.0.0.1:${port}/`, interval: '300ms', timeout: '1s', startupGrace: '5s' }],
      },
    ],
  };
}

/** The protected-removed findings so far (warnings and their all-clears). */
export function protectedRemovedFindings(t: TestDaemon): ClawbackEvent[] {
  return t.events.filter((e) => e.type === 'doctor.finding' && e.details?.rule === 'protected-removed');
}
