// An external service whose pid file names a dead pid (or one a younger process took) was passed over in silence: the
// person saw only "no new pid" after each start. Said now, once per file and pid, though discovery runs every poll.
// It was said as a `daemon.fault` (an alert headed "daemon fault" that pages and overtakes the backlog) though the
// daemon is fine and the service's file is stale: it is a service warning of its own now.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { headline } from '../../src/notify/format.js';
import { mustKeep } from '../../src/notify/flood-summary.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('an external service whose pid file names a dead pid', () => {
  it('says once which file and pid were passed over and why, not on every poll', async () => {
    const dir = tempDir();
    const pidFile = path.join(dir, 'svc.pid');
    // A process that ran and is gone: its pid, left in the file.
    const dead = spawnSync(NODE, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    const pid = Number(dead.stdout.trim());
    writeFileSync(pidFile, `${pid}\n`);
    // The manager "starts" it but nothing comes up: discovery polls the same stale file again and again.
    td = await startTestDaemon({ services: [{ name: 'ext', external: { pidFile, startCommand: ['true'], restartCommand: ['true'], timeout: '1500ms' } }] }, { dir });
    const stale = () => td!.events.filter((e) => e.service === 'ext' && e.type === 'service.pid-file-stale');
    await waitFor(() => stale().length > 0 || undefined, { timeoutMs: 20_000, message: 'the stale pid file was said' });
    // Two starts at least (each polled every 250 ms for 1.5 s) have looked at the file since.
    await waitFor(() => td!.events.filter((e) => e.service === 'ext' && /no new pid/.test(e.message)).length >= 2 || undefined, { timeoutMs: 40_000, message: 'two starts gave up' });
    const said = stale();
    expect(said.map((e) => e.severity)).toEqual(['warning']);
    expect(said[0]!.message).toContain(`pid file ${pidFile} names pid ${pid}, which no process holds`);
    expect(said[0]!.details).toEqual({ pidFile, pid, why: 'dead' });
    // Not a fault of the daemon: no daemon.fault names the file, the alert's headline says what it is, and it does not page.
    expect(td!.events.filter((e) => e.type === 'daemon.fault' && e.message.includes(pidFile))).toEqual([]);
    expect(headline(said[0]!.type, said[0]!.details)).toBe('Stale pid file passed over');
    expect(mustKeep(said[0]!)).toBe(false);
  }, 90_000);
});
