// An older clawback.yaml (http:// probes, written before TLS) over a gateway whose config now sets gateway.tls.enabled.
// Seen with the real gateway 2026.9.6: `openclaw config set gateway.tls.enabled true` -> the gateway restarted itself and
// answered HTTPS only; the daemon said nothing, every http:// probe failed and the healthy gateway was restarted after its
// grace, again after each start. The daemon must say at start (and on each change of the file) what to change.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/processes.js';
import { findingsOf, standInGateway } from './stand-in-gateway.js';


let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

const gatewayConfig = (port: number, tls: boolean): string => `{ gateway: { mode: "local", bind: "loopback", port: ${port}, tls: { enabled: ${tls} } } }\n`;

describe('gateway.tls.enabled against http:// probes', () => {
  it('is reported at start with the probes to change, once, and the all-clear when the two agree again', async () => {
    const dir = tempDir('clawback-tls-drift-');
    const port = await freePort();
    const cfg = path.join(dir, 'openclaw.json');
    writeFileSync(cfg, gatewayConfig(port, true));
    const url = `http://127.0.0.1:${port}`;
    td = await startTestDaemon(
      {
        services: [
          standInGateway({
            port,
            cfg,
            // A long grace: the finding, not a restart, is what this case is about.
            probes: [
              { kind: 'http', name: 'liveness', url: `${url}/healthz`, interval: '1s', timeout: '1s', startupGrace: '60s' },
              { kind: 'openclaw-readiness', name: 'readiness', url: `${url}/readyz`, interval: '1s', timeout: '1s', startupGrace: '60s' },
            ],
          }),
        ],
      },
      { dir },
    );
    const drift = () => findingsOf(td!, 'tls-drift');
    await waitFor(() => drift().length > 0, { timeoutMs: 15_000 });
    const w = drift()[0]!;
    expect(w.severity).toBe('warning');
    expect(w.message).toContain('gateway.tls.enabled = true');
    expect(w.message).toContain(`liveness (${url}/healthz)`);
    expect(w.message).toContain(`readiness (${url}/readyz)`);
    expect(w.message).toContain('https://');
    expect(w.message).toContain('insecure: true');
    expect(w.details).toMatchObject({ file: cfg, tls: true, probes: ['liveness', 'readiness'], fixable: false });
    // Nothing is restarted or rewritten for it: a report, not a decision.
    expect(td.events.filter((e) => e.type === 'service.restarting')).toEqual([]);

    writeFileSync(cfg, gatewayConfig(port, false));
    await waitFor(() => drift().some((e) => e.details?.resolved === true), { timeoutMs: 15_000 });
    expect(drift().filter((e) => e.severity === 'warning')).toHaveLength(1);
  }, 60_000);
});
