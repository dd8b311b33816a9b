// A recorded instance that is gone and whose pid now belongs to another program: the booting daemon leaves that program alone.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES, NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { isAlive, spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';

let daemon: TestDaemon | undefined;
let other: MarkedChild | undefined;
afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
  other?.kill();
  other = undefined;
});

describe('boot with a recorded instance whose pid was reused', () => {
  it('starts a new instance and does not kill the process (a group leader) that now has the old pid', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const config = { services: [{ name: 'svc', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] };
    daemon = await startTestDaemon(config, { dir });
    const rt = daemon.daemon.runtimes.get('svc')!;
    await waitFor(() => (rt.status().state === 'running' ? true : undefined), { timeoutMs: 10_000 });
    const oldPid = rt.status().pid!;
    // The daemon goes away leaving the service running; then the instance dies while no daemon watches it.
    await daemon.daemon.stop({ stopServices: false });
    daemon = undefined;
    process.kill(-oldPid, 'SIGKILL');
    await waitFor(() => !isAlive(oldPid), { timeoutMs: 10_000 });
    // Another program, leading its own group (as every systemd service and shell job does), now has the recorded pid:
    // the state file is pointed at it, keeping the old instance's start time, exactly what a reused pid looks like.
    other = spawnMarked(NODE, [path.join(FIXTURES, 'sleeper.mjs')]);
    await other.waitForStdout('ready', 10_000);
    const stateFile = path.join(dir, 'state', 'state.json');
    const text = readFileSync(stateFile, 'utf8');
    expect(text).toContain(`"pid": ${oldPid}`);
    writeFileSync(stateFile, text.replace(`"pid": ${oldPid}`, `"pid": ${other.pid}`));

    daemon = await startTestDaemon(config, { dir });
    const rt2 = daemon.daemon.runtimes.get('svc')!;
    await waitFor(() => (rt2.status().state === 'running' ? true : undefined), { timeoutMs: 10_000 });
    expect(rt2.status().pid).not.toBe(other.pid);
    await new Promise((r) => setTimeout(r, 300));
    expect(isAlive(other.pid)).toBe(true);
  });
});
