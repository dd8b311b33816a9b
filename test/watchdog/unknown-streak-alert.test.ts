// A probe that stays unknown (here a certificate it does not accept) is never a restart, but a person is told once per streak, and once when it judges again.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES, NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore', timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}

describe.runIf(hasOpenssl())('a probe that stays unknown', () => {
  let td: TestDaemon | undefined;
  let server: https.Server | undefined;
  afterAll(async () => {
    await td?.stop();
    server?.closeAllConnections();
    if (server?.listening) await new Promise((r) => server!.close(r));
  });

  it('one probe.unknown per streak (status shows the count), one probe.known when it judges again, no restart', async () => {
    const dir = tempDir('clawback-unknown-streak-');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=svc', '-keyout', path.join(dir, 'k.pem'), '-out', path.join(dir, 'c.pem')], { stdio: 'ignore', timeout: 20_000 });
    server = https.createServer({ key: readFileSync(path.join(dir, 'k.pem')), cert: readFileSync(path.join(dir, 'c.pem')) }, (_q, res) => res.end('ok'));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    td = await startTestDaemon(
      {
        services: [
          {
            name: 'svc',
            command: [NODE, path.join(FIXTURES, 'sleeper.mjs')],
            probes: [{ kind: 'http', name: 'health', url: `https://127.0.0.1:${port}/health`, interval: '200ms', timeout: '1s', startupGrace: '0s', unknownThreshold: 2 }],
          },
        ],
      },
      { dir },
    );
    const probeView = () => {
      const s = (td!.daemon.status() as { services: Array<{ restarts: number; probes: Array<{ consecutiveUnknowns?: number; lastResult: { status: string } | null }> }> }).services[0]!;
      return { restarts: s.restarts, probe: s.probes[0]! };
    };
    const of = (type: string) => td!.events.filter((e) => e.type === type);
    await waitFor(() => of('probe.unknown').length > 0, { timeoutMs: 15_000 });
    // Well past the threshold: still one alert for the streak.
    await waitFor(() => (probeView().probe.consecutiveUnknowns ?? 0) >= 6, { timeoutMs: 15_000 });
    expect(of('probe.unknown')).toHaveLength(1);
    const alert = of('probe.unknown')[0]!;
    expect(alert.severity).toBe('warning');
    expect(alert.message).toContain('probe health could not judge');
    expect(alert.message).toContain('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(probeView().restarts).toBe(0);
    expect(of('probe.known')).toHaveLength(0);

    // The port closes: connection refused is a verdict again (a failure): one probe.known.
    server.closeAllConnections();
    await new Promise((r) => server!.close(r));
    await waitFor(() => of('probe.known').length > 0, { timeoutMs: 15_000 });
    expect(of('probe.known')[0]!.severity).toBe('resolved');
    expect(of('probe.known')[0]!.message).toContain('probe health judges again');
    expect(probeView().probe.consecutiveUnknowns).toBe(0);
    expect(of('probe.unknown')).toHaveLength(1);
  }, 60_000);
});
