// A restore cut short by a person's own `clawback stop` is their action, not an emergency: the "restore cut short" event
// went out `critical` (a failed repair: applied false, verified false), so a channel at minSeverity critical paged
// someone at 3 a.m. for the stop they had just typed. The cut is said, as a warning only when its deadline cut it.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startTestDaemon, NODE, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe("a restore cut short by a person's stop", () => {
  it('is journaled, not critical', async () => {
    const dir = tempDir();
    const conf = path.join(dir, 'svc.json');
    const svc = path.join(dir, 'svc.mjs');
    writeFileSync(svc, `import { readFileSync } from 'node:fs';\ntry { JSON.parse(readFileSync(process.argv[2], 'utf8')); } catch { process.exit(78); }\nprocess.on('SIGUSR1', () => process.exit(78));\nsetInterval(() => {}, 1000);\n`);
    // Slow once the marker exists (a gateway's validator under load): it says it started, then sleeps.
    const slowMode = path.join(dir, 'slow-mode');
    const started = path.join(dir, 'slow-started');
    const validator = path.join(dir, 'validate.mjs');
    writeFileSync(
      validator,
      `import { existsSync, readFileSync, writeFileSync } from 'node:fs';\nJSON.parse(readFileSync(process.argv[2], 'utf8'));\nif (existsSync(${JSON.stringify(slowMode)})) { writeFileSync(${JSON.stringify(started)}, 'x'); setTimeout(() => {}, 30000); }\n`,
    );
    writeFileSync(conf, '{"a":1}\n');
    td = await startTestDaemon(
      { services: [{ name: 'svc', command: [NODE, svc, conf], configFile: { path: conf, format: 'json', validateCommand: [NODE, validator, '{file}'] }, doctor: { snapshotAfter: '300ms', timeout: '60s' } }] },
      { dir },
    );
    const t = td;
    const rt = t.daemon.runtimes.get('svc')!;
    await waitFor(() => t.events.some((e) => e.type === 'config.snapshot'), { timeoutMs: 20_000 });
    writeFileSync(slowMode, 'x');
    writeFileSync(conf, '{"a":2,\n');
    process.kill(rt.status().pid!, 'SIGUSR1');
    await waitFor(() => existsSync(started), { timeoutMs: 20_000, message: () => `the restore's validator never ran; last events: ${t.events.slice(-5).map((e) => e.message).join(' | ')}` });
    const res = await rt.stop('human');
    expect(res.ok).toBe(true);
    const cut = await waitFor(() => t.events.find((e) => e.type === 'doctor.repair' && e.details?.cut === true), { timeoutMs: 15_000 });
    expect(cut.message).toContain('restore cut short');
    expect(readFileSync(conf, 'utf8')).toBe('{"a":2,\n');
    // A person's stop pages nobody: no critical event after it.
    const after = t.events.slice(t.events.indexOf(cut) - 3);
    expect(after.filter((e) => e.severity === 'critical').map((e) => `${e.type}: ${e.message}`)).toEqual([]);
    expect(cut.severity).toBe('info');
    expect(cut.message).toContain('a person asked to stop it');
  }, 60_000);
});
