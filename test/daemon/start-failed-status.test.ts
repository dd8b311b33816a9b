// A service whose every start failed before any process ran (a script whose #! interpreter does not exist: spawn
// ENOENT past the preflight) showed "last exit code null after 0 ms" in `clawback status` and "last exit after 0ms" in
// its Level 4 alert: real daemon, real script; status, its JSON and the alert now say the start failed and why.
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { renderStatus } from '../../src/cli/cmd-status.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

type Status = Parameters<typeof renderStatus>[0];

describe('a service that could never be started', () => {
  it('says the start failed and the spawn error, not "last exit code null after 0 ms"', async () => {
    const dir = tempDir();
    const script = path.join(dir, 'bad-interpreter.sh');
    writeFileSync(script, '#!/nonexistent/clawback-interp\necho never\n');
    chmodSync(script, 0o755);
    // The preflight names this interpreter before any spawn now (test/doctor/preflight-interpreter.test.ts): left out
    // here, the spawn meets it, as a start does when the interpreter went away between the preflight and the spawn.
    td = await startTestDaemon({ services: [{ name: 'ghost', command: [script], restart: { intensity: { maxRestarts: 2, window: '1m' } } }] }, { makePreflight: () => undefined });
    const d = td.daemon;
    const ghost = (): Status['services'][number] | undefined => (d.status() as unknown as Status).services.find((s) => s.name === 'ghost');
    await waitFor(() => ghost()?.incident?.level === 4, { timeoutMs: 20_000, message: 'the start failures to reach Level 4' });
    const exit = ghost()!.lastExit!;
    // Kept fields stay; the spawn error is added.
    expect(exit).toMatchObject({ code: null, signal: null, uptimeMs: 0 });
    expect(exit.startError).toContain('spawn ENOENT');
    expect(exit.startError).toContain('/nonexistent/clawback-interp');
    const shown = renderStatus(d.status() as unknown as Status, false);
    expect(shown).toContain('ghost: last start failed, no process ran: spawn ENOENT (the interpreter its #! line names does not exist: "/nonexistent/clawback-interp")');
    expect(shown).not.toMatch(/code null/);
    const escalated = td.events.find((e) => e.type === 'incident.escalated');
    expect(escalated?.message).toContain('no process ran');
    expect(escalated?.message).not.toMatch(/last exit after 0ms/);
  }, 30_000);
});
