// A service's own doctor.command that exits 0 but changes nothing (its config, the config's backups and what lies beside
// it are as they were) repaired nothing: the journal says so, no "the doctor repaired it", no repair listed as kept for
// the human, and the ladder climbs on within its bounds instead of restarting the same crash loop as "repaired".
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startTestDaemon, NODE, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe("a service's own doctor that exits 0 and changes nothing", () => {
  it('is not called a repair, and the ladder goes on to a human', async () => {
    const dir = tempDir();
    const conf = path.join(dir, 'svc.json');
    writeFileSync(conf, '{"a":1}\n');
    // The doctor only logs that it ran, outside the config's directory tree watched for a service doctor's changes.
    const logDir = tempDir('clawback-doctor-log-');
    const doctor = `require('node:fs').appendFileSync(${JSON.stringify(path.join(logDir, 'runs.log'))}, 'x')`;
    td = await startTestDaemon(
      {
        services: [
          {
            name: 'svc',
            command: [NODE, '-e', 'process.exit(1)'],
            configFile: { path: conf, format: 'json' },
            doctor: { command: [NODE, '-e', doctor], attempts: 1, confirmAfter: '1s' },
            restart: { backoff: { initial: '50ms', max: '200ms', jitter: 0 }, intensity: { maxRestarts: 3, window: '1m' } },
          },
        ],
      },
      { dir },
    );
    const t = td;
    const rt = t.daemon.runtimes.get('svc')!;
    const msgs = (): string => t.events.filter((e) => e.type !== 'service.exited' && e.type !== 'service.started' && e.type !== 'service.restarting').slice(-25).map((e) => `${e.type}: ${e.message}`).join('\n');
    await waitFor(() => rt.status().incident?.status === 'waiting-human', { timeoutMs: 30_000, message: msgs });
    await new Promise((r) => setTimeout(r, 500));
    // Its doctor did run (once), and changed nothing.
    expect(readFileSync(path.join(logDir, 'runs.log'), 'utf8'), msgs()).toBe('x');
    expect(readFileSync(conf, 'utf8')).toBe('{"a":1}\n');
    const journal = t.journal();
    expect(journal.some((e) => e.type === 'incident.action' && e.details?.action === 'restart-after-doctor' && e.details?.outcome === 'fixed'), msgs()).toBe(false);
    const esc = journal.filter((e) => e.type === 'incident.escalated');
    expect(esc).toHaveLength(1);
    expect(esc[0]!.message).toContain("own doctor changed nothing");
    expect(esc[0]!.message).not.toContain('still in place');
  }, 60_000);
});
