// Nothing said that the guardian had stopped running (its timer disabled, its cron line removed): each pass now leaves
// its time and outcome in the state dir, and a real daemon exports it (/metrics), shows it in `clawback status`, and
// warns once an installed guardian missed three of its intervals.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { NODE, FIXTURES, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/processes.js';
import { GUARDIAN_PASS_FILE, writeGuardianInstalled } from '../../src/daemon/guardian-pass.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('the guardian pass record', () => {
  it('a real pass is recorded, exported on /metrics and shown by status; an installed guardian silent for 3 intervals is a warning', async () => {
    td = await startTestDaemon({ services: [{ name: 'svc', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] });
    const t = td;
    await waitFor(() => t.daemon.runtimes.get('svc')?.status().state === 'running' || undefined, { timeoutMs: 15_000 });
    const home = tempDir('clawback-guardian-pass-home-');
    mkdirSync(home, { recursive: true });
    const env = { HOME: home, XDG_RUNTIME_DIR: '', CLAWBACK_CONFIG: '' };
    const metrics = async (): Promise<string> => (await fetch(`http://127.0.0.1:${t.daemon.api!.port}/metrics`)).text();

    // No guardian installed, none ran: the series say so, status says nothing of it.
    expect(await metrics()).toMatch(/^clawback_guardian_installed 0$/m);
    expect(await metrics()).toMatch(/^clawback_guardian_last_pass_timestamp_seconds 0$/m);
    const quiet = await runCli(['status', '--state-dir', t.stateDir], { env });
    expect(quiet.stdout).not.toMatch(/guardian/i);

    const before = Date.now();
    const pass = await runCli(['guardian', '--once', '--state-dir', t.stateDir], { env, timeoutMs: 60_000 });
    expect(pass.code, pass.stderr).toBe(0);
    expect((JSON.parse(pass.stdout) as { outcome: string }).outcome).toBe('ok');
    const rec = JSON.parse(readFileSync(path.join(t.stateDir, GUARDIAN_PASS_FILE), 'utf8')) as { at: number; outcome: string };
    expect(rec.outcome).toBe('ok');
    expect(rec.at).toBeGreaterThanOrEqual(before);
    const text = await metrics();
    const ts = Number(/^clawback_guardian_last_pass_timestamp_seconds (\S+)$/m.exec(text)?.[1]);
    expect(Math.abs(ts * 1000 - rec.at)).toBeLessThan(2);
    expect(text).toMatch(/^clawback_guardian_last_pass_outcome\{outcome="ok"\} 1$/m);

    // Installed (what `clawback install` writes): status says when it last ran.
    writeGuardianInstalled(t.stateDir, { intervalSec: 60, manager: 'cron', at: Date.now() });
    expect(await metrics()).toMatch(/^clawback_guardian_installed 1$/m);
    expect(await metrics()).toMatch(/^clawback_guardian_interval_seconds 60$/m);
    // /api/status is shared for up to a second or two: waited for, not slept.
    const statusText = (re: RegExp): Promise<string> =>
      waitFor(async () => {
        const r = await runCli(['status', '--state-dir', t.stateDir], { env });
        return re.test(r.stdout) ? r.stdout : undefined;
      }, { timeoutMs: 20_000, intervalMs: 300 });
    const fine = await statusText(/guardian: last pass \S+ ago \(ok\), every 1m/);
    expect(fine).not.toMatch(/GUARDIAN NOT RUNNING/);

    // Its cron line removed: the last pass ages past three intervals.
    writeFileSync(path.join(t.stateDir, GUARDIAN_PASS_FILE), JSON.stringify({ at: Date.now() - 4 * 60_000, outcome: 'revived' }));
    const stale = await statusText(/GUARDIAN NOT RUNNING/);
    expect(stale).toMatch(/GUARDIAN NOT RUNNING: last pass 4m\S* ago \(revived\), installed to run every 1m/);
    const json = JSON.parse((await runCli(['status', '--json', '--state-dir', t.stateDir], { env })).stdout) as { daemon: { guardian: { installed: boolean; overdue: boolean } } };
    expect(json.daemon.guardian).toMatchObject({ installed: true, overdue: true });
  }, 120_000);
});
