// While the doctor worked on a held service (an unparseable config: preflight hold, doctor run in flight), `clawback
// status` said "fix the cause, then: clawback resume NAME" (seen live against the real OpenClaw gateway): a person's
// resume over the ladder's own repair. Real daemon, real doctor child: status now says the doctor is at work and when it gives up.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { renderStatus } from '../../src/cli/cmd-status.js';
import { localStamp } from '../../src/cli/local-time.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

type Status = Parameters<typeof renderStatus>[0];

describe('status while the doctor works on a held service', () => {
  it('says the doctor is at work and when it gives up, not "fix the cause, then: resume"', async () => {
    const dir = tempDir();
    const cfg = path.join(dir, 'svc.json');
    writeFileSync(cfg, '{ "gateway": { "port": 1 } }');
    td = await startTestDaemon({
      services: [{
        name: 'gw',
        // Exit 78 (EX_CONFIG) as the gateway does for a config it refuses: no blind restart, straight to the doctor.
        command: [NODE, '-e', 'setTimeout(() => process.exit(78), 200)'],
        restart: { preventExitCodes: [78] },
        configFile: { path: cfg, format: 'json5' },
        // A doctor that takes its time (the real `openclaw doctor --fix` took 28 s under load).
        doctor: { command: [NODE, '-e', 'setTimeout(() => {}, 20000)'], timeout: '60s', attempts: 1 },
      }],
    });
    const d = td.daemon;
    const gw = (): Status['services'][number] | undefined => (d.status() as unknown as Status).services.find((s) => s.name === 'gw');
    await waitFor(() => gw()?.held != null && gw()?.work?.kind === 'doctor', { timeoutMs: 15_000, message: () => `a preflight hold with a doctor run in flight; events: ${td!.events.map((e) => e.type + ': ' + e.message).join(' | ')}` });
    const st = d.status() as unknown as Status;
    const work = gw()!.work!;
    const shown = renderStatus(st, false);
    expect(shown).toContain('gw: restarts stopped (');
    expect(shown).not.toMatch(/^  fix the cause, then: clawback resume gw/m);
    expect(shown).toContain(`the doctor (Level 2 repair) is at work (doctor run ${work.id} for incident ${work.incidentId})`);
    expect(shown).toContain(`gives up at ${localStamp(work.deadline)}`);
    expect(shown).toContain('nothing to do yet: Clawback is repairing it');
  }, 30_000);
});
