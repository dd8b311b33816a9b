// A person's stop during the daemon's Level 2 doctor run: the run ends without blaming the service, the answer says so.
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startTestDaemon, FIXTURES, NODE, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('a stop during the doctor run', () => {
  it('journals no critical finding or repair from the cancelled validator and answers "stopped; the doctor run was cancelled"', async () => {
    const dir = tempDir();
    const conf = path.join(dir, 'svc.json');
    const validator = path.join(dir, 'slow-validator.mjs');
    writeFileSync(conf, '{"a":1}\n');
    // Quick at the first start's preflight; then slower than the person: still running when the stop arrives.
    const slow = path.join(dir, 'slow');
    writeFileSync(validator, `import { existsSync } from 'node:fs';\nif (existsSync(${JSON.stringify(slow)})) setTimeout(() => process.exit(0), 20000);\n`);
    td = await startTestDaemon(
      {
        services: [
          {
            name: 'svc',
            command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '78', '300'],
            configFile: { path: conf, format: 'json', validateCommand: [NODE, validator, '{file}'] },
          },
        ],
      },
      { dir },
    );
    const t = td;
    await waitFor(() => t.events.some((e) => e.type === 'service.started'), { timeoutMs: 15_000 });
    writeFileSync(slow, '');
    await waitFor(() => t.events.some((e) => e.type === 'incident.action' && e.message.includes('running the doctor')), { timeoutMs: 15_000 });
    await new Promise((r) => setTimeout(r, 300));
    const res = await t.daemon.runtimes.get('svc')!.stop('human');
    expect(res.ok).toBe(true);
    expect(res.message).toMatch(/^stop svc: stopped; its doctor run run-\S+ was cancelled; it stays held \(config: /);
    const cancelledAt = t.events.findIndex((e) => e.message.includes('cancelled (a person asked to stop it)'));
    expect(cancelledAt).toBeGreaterThan(-1);
    // Long enough for the killed validator's result to come back.
    await new Promise((r) => setTimeout(r, 1500));
    const after = t.events.slice(cancelledAt).filter((e) => e.type === 'doctor.finding' || e.type === 'doctor.repair');
    expect(after.map((e) => e.message)).toEqual([]);
    expect(t.journal().some((e) => e.message.includes('was cancelled') && e.severity === 'critical')).toBe(false);
  }, 40_000);
});
