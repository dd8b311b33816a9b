// `clawback restart web`, and while its stop runs a `clawback reload` that changes only a setting of web (a probe
// interval): the new runtime finished the restart (new pid, running), but the restart's caller read exit 1
// "restart web: stopped: a later config reload that handed it ... to a new runtime ... overrode it".
// Real daemon, a real service slow to stop (6 s, so the reload lands within its stop): the caller gets the new runtime's answer.
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { NODE, markServices, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('a request under way when a reload hands the service to a new runtime', () => {
  it('a restart is answered by the runtime that finished it', async () => {
    const ready = path.join(tempDir(), 'ready');
    const slower = `process.on('SIGTERM', () => setTimeout(() => process.exit(0), 6000)); require('fs').writeFileSync(${JSON.stringify(ready)}, ''); setInterval(() => {}, 3600000);`;
    const web = { name: 'web', command: [NODE, '-e', slower], stop: { grace: '20s' } };
    td = await startTestDaemon({ services: [web] });
    const rt = td.daemon.runtimes.get('web')!;
    await waitFor(() => rt.status().state === 'running', { timeoutMs: 20_000, message: 'web running' });
    await waitFor(() => existsSync(ready), { timeoutMs: 20_000, message: 'web handling SIGTERM' });
    const pid = rt.status().pid!;
    const restart = td.daemon.action('web', 'restart');
    await waitFor(() => rt.status().state === 'stopping', { timeoutMs: 10_000, message: 'the restart stopping web' });
    // Only the stop grace changes: the same process spec, so the runtime is retuned, not replaced.
    writeFileSync(td.configFile, YAML.stringify(markServices({ services: [{ ...web, stop: { grace: '19s' } }] })));
    const reload = td.daemon.command('/api/reload', new URLSearchParams({ by: 'test' }));
    const [a, b] = await Promise.all([restart, reload]);
    expect(b?.status).toBe(200);
    // The reload waited for the restart's stop (one owner ends it): its caller is told so, and for how long.
    expect(String(b?.body.message)).toMatch(/; applied once the stop under way ended \(its restart finishes with the new settings\): web \(waited \d+\.\d s\)/);
    const next = td.daemon.runtimes.get('web')!;
    expect(next).not.toBe(rt);
    await waitFor(() => next.status().state === 'running', { timeoutMs: 20_000, message: 'web running again' });
    const newPid = next.status().pid!;
    expect(newPid).not.toBe(pid);
    expect(a).toMatchObject({ ok: true, status: 200 });
    expect(a.message).toBe(`restart web: running (pid ${newPid}); a config reload applied its new settings on the way`);
  }, 60_000);
});
