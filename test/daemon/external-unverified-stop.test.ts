// A stop of an external service whose pid cannot be identified (no start time read, so it is never signalled) and which
// has no stopCommand sent nothing, yet `clawback status` said "stopping" until the request's bound ran out (and after):
// nothing would ever end it. The reducer now says at once that it could not be stopped and leaves it running as it was.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { canHideStat, statHider } from '../helpers/hidden-stat.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';

// A file even root cannot read (EACCES), bound over the service's /proc/PID/stat: a live process whose identity cannot
// be read, for real. Needs root and a writable mount table; skipped elsewhere.
let td: TestDaemon | undefined;
const children: MarkedChild[] = [];
const stat = statHider();
afterEach(async () => {
  await td?.stop();
  td = undefined;
  stat.undo();
  for (const c of children.splice(0)) {
    c.kill();
    await c.waitForExit(5000).catch(() => undefined);
  }
}, 120_000);

describe('a stop of an external service whose pid cannot be identified', () => {
  it.skipIf(!canHideStat)('says at once it could not be stopped and leaves it running, not "stopping"', async () => {
    const dir = tempDir();
    const pidFile = path.join(dir, 'svc.pid');
    const svc = spawnMarked(process.execPath, ['-e', "console.log('ready'); setInterval(() => {}, 1e9)"]);
    children.push(svc);
    await svc.waitForStdout('ready');
    writeFileSync(pidFile, `${svc.pid}\n`);
    if (!stat.hide(svc.pid)) return; // this host cannot hide it: nothing to judge
    // A long stop grace: the old answer waited it out (plus 15 s) and still said "stopping".
    td = await startTestDaemon({ services: [{ name: 'ext', external: { pidFile, restartCommand: ['true'], timeout: '2s' }, stop: { grace: '60s' } }] }, { dir });
    const rt = td.daemon.runtimes.get('ext')!;
    await waitFor(() => (rt.status().pid === svc.pid ? true : undefined), { timeoutMs: 20_000, message: 'attached to the service' });
    const asked = Date.now();
    const answer = await rt.request('stop', 'human');
    // Answered once the stop failed, not after the 60 s grace: generous against a loaded host.
    expect(Date.now() - asked).toBeLessThan(30_000);
    expect(answer.ok).toBe(false);
    expect(answer.message).toMatch(/could not be stopped|not signalled/);
    const st = rt.status();
    expect(st.state).toBe('running');
    expect(st.pid).toBe(svc.pid);
    expect(svc.exitInfo(), 'the unidentified pid was signalled').toBeUndefined();
    const said = td.events.filter((e) => e.service === 'ext' && /not signalled/.test(e.message));
    expect(said.length).toBeGreaterThan(0);
    // A restart (its stop first) is not said done either: the same process runs on, untouched.
    const restarted = await rt.request('restart', 'human');
    expect(restarted.ok).toBe(false);
    expect(restarted.message).toMatch(/could not be stopped/);
    expect(rt.status().state).toBe('running');
    expect(rt.status().pid).toBe(svc.pid);
    expect(svc.exitInfo(), 'the unidentified pid was signalled').toBeUndefined();
  }, 120_000);
});
