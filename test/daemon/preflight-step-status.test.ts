// Between an exit and the next start, the preflight's config validator (`openclaw config validate`, ~30 s under load) ran
// with nothing journaled and status saying only "starting": real daemon, a real slow validator; status, its JSON and the
// journal now name the step, the command and its budget while it runs.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { renderStatus } from '../../src/cli/cmd-status.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

type Status = Parameters<typeof renderStatus>[0];

describe('the preflight config validator while it runs', () => {
  it('is shown by status and journaled with its command and budget', async () => {
    const dir = tempDir();
    const cfg = path.join(dir, 'svc.json');
    writeFileSync(cfg, '{"ok": true}\n');
    const validator = [NODE, '-e', 'setTimeout(() => process.exit(0), 4000)'];
    td = await startTestDaemon(
      { services: [{ name: 'svc', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')], configFile: { path: cfg, format: 'json', validateCommand: validator, validateTimeout: '45s' } }] },
      { dir },
    );
    const d = td.daemon;
    const svc = (): Status['services'][number] | undefined => (d.status() as unknown as Status).services.find((s) => s.name === 'svc');
    // The first start ran it already (start() waits for it): new bytes and a crash make the next start validate again.
    expect(td.events.some((e) => e.type === 'service.preflight')).toBe(true);
    const pid = svc()!.pid!;
    writeFileSync(cfg, '{"ok": false}\n');
    process.kill(pid, 'SIGKILL');
    await waitFor(() => svc()?.preflight !== undefined, { timeoutMs: 20_000, message: 'the preflight step to show in status' });
    const st = svc()!;
    expect(st.state).toBe('starting');
    expect(st.preflight).toMatchObject({ step: 'validating config', command: validator, budgetMs: 45_000 });
    const shown = renderStatus(d.status() as unknown as Status, false);
    expect(shown).toMatch(/svc: preflight: validating config \(.*setTimeout.*\), \S+ of 45s budget/);
    const ev = td.events.find((e) => e.type === 'service.preflight');
    expect(ev?.message).toContain('svc: preflight: validating config');
    expect(ev?.message).toContain('up to 45 s before the start');
    expect(ev?.details).toMatchObject({ budgetMs: 45_000 });
    // Once the start is under way the step is gone from status.
    await waitFor(() => svc()?.state === 'running', { timeoutMs: 30_000, message: 'the service to start after the validator' });
    expect(svc()!.preflight).toBeUndefined();
    expect(renderStatus(d.status() as unknown as Status, false)).not.toContain('preflight:');
  }, 60_000);
});
