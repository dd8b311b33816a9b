// A protected setting warned of as removed stays open across a daemon restart: setting it again afterwards is said (the
// all-clear), where the open warning used to live in memory only and was forgotten by the next daemon.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { protectedGateway, protectedRemovedFindings } from '../helpers/protected-gateway.js';
import { freePort } from '../helpers/ports.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

const findings = (t: TestDaemon, resolved: boolean) => protectedRemovedFindings(t).filter((e) => !!e.details?.resolved === resolved);

async function daemon(dir: string, port: number): Promise<TestDaemon> {
  td = await startTestDaemon(protectedGateway(path.join(dir, 'openclaw.json5'), port), { dir });
  return td;
}

describe('an open protected-removed warning across a daemon restart', () => {
  it('is closed by an all-clear when the token is set again after the restart', async () => {
    const dir = tempDir();
    const port = await freePort();
    const cfg = path.join(dir, 'openclaw.json5');
    writeFileSync(cfg, "{ gateway: { mode: 'local', auth: { token: 'tok-restart-4711' } } }\n");
    const first = await daemon(dir, port);
    await waitFor(() => first.daemon.runtimes.get('gw')?.healthySinceMs() != null, { timeoutMs: 20_000, message: () => 'gw healthy' });
    await waitFor(() => existsSync(path.join(first.stateDir, 'snapshots', 'gw')), { timeoutMs: 20_000, message: () => 'a copy seen healthy' });
    writeFileSync(cfg, "{ gateway: { mode: 'local', auth: {} } }\n");
    await waitFor(() => findings(first, false).length > 0, { timeoutMs: 30_000, message: () => 'the removal warned of' });
    // The tokenless config runs healthy long enough to become the copy seen healthy before the daemon restarts.
    const snaps = path.join(first.stateDir, 'snapshots', 'gw');
    const tokenlessSeen = (): boolean =>
      readdirSync(snaps).some((f) => f.startsWith('last-known-good--') && f.endsWith('.snap') && readFileSync(path.join(snaps, f), 'utf8').includes('auth: {}'));
    await waitFor(tokenlessSeen, { timeoutMs: 30_000, message: () => 'the tokenless config kept as seen healthy' });
    await first.stop();
    td = undefined;

    const second = await daemon(dir, port);
    await waitFor(() => second.daemon.runtimes.get('gw')?.healthySinceMs() != null, { timeoutMs: 20_000, message: () => 'gw healthy again' });
    writeFileSync(cfg, "{ gateway: { mode: 'local', auth: { token: 'tok-restart-4711' } } }\n");
    await waitFor(() => findings(second, true).length > 0, { timeoutMs: 30_000, message: () => 'the all-clear after the restart' });
    const ok = findings(second, true)[0]!;
    expect(ok.severity).toBe('info');
    expect(ok.details).toMatchObject({ restored: ['gateway.auth.token'] });
    expect(ok.message).not.toContain('tok-restart-4711');
  }, 120_000);
});
