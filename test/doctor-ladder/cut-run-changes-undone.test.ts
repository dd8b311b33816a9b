// A doctor run cut short after one of its rules changed a file: the restore wrote the last-known-good copy, then the
// service's own doctor (a second, slow rule) was still running when the run was cut. The executor drops a cut run's
// answer, so the restored file stayed in place, never verified, and nothing said so (while the service's own doctor's
// cut write is rolled back). The cut run now puts its file changes back (its version kept as evidence) and says so.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startTestDaemon, NODE, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('a doctor run cut after a rule changed the config', () => {
  it("puts the restore it wrote back (the doctor's version kept) and journals what it undid", async () => {
    const dir = tempDir();
    const conf = path.join(dir, 'svc.json');
    const svc = path.join(dir, 'svc.mjs');
    // Exits 78 (EX_CONFIG) on a config it cannot parse, and on SIGUSR1 (a reload that rejects the config).
    writeFileSync(svc, `import { readFileSync } from 'node:fs';\ntry { JSON.parse(readFileSync(process.argv[2], 'utf8')); } catch { process.exit(78); }\nprocess.on('SIGUSR1', () => process.exit(78));\nsetInterval(() => {}, 1000);\n`);
    const validator = path.join(dir, 'validate.mjs');
    writeFileSync(validator, `import { readFileSync } from 'node:fs';\nJSON.parse(readFileSync(process.argv[2], 'utf8'));\n`);
    // The service's own doctor: slow (still running when the run is cut), it writes nothing.
    const ownDoctor = path.join(dir, 'own-doctor.mjs');
    writeFileSync(ownDoctor, `setTimeout(() => {}, 30000);\n`);
    writeFileSync(conf, '{"a":1}\n');
    td = await startTestDaemon(
      {
        services: [
          {
            name: 'svc',
            command: [NODE, svc, conf],
            configFile: { path: conf, format: 'json', validateCommand: [NODE, validator, '{file}'] },
            doctor: { snapshotAfter: '300ms', timeout: '60s', command: [NODE, ownDoctor] },
          },
        ],
      },
      { dir },
    );
    const t = td;
    const rt = t.daemon.runtimes.get('svc')!;
    await waitFor(() => t.events.some((e) => e.type === 'config.snapshot'), { timeoutMs: 20_000 });
    const broken = Buffer.from('{"a":2,\n');
    writeFileSync(conf, broken);
    process.kill(rt.status().pid!, 'SIGUSR1');
    // The restore wrote the last-known-good copy; the service's own doctor (exit 78 asks for it) is running.
    await waitFor(() => t.events.some((e) => e.type === 'doctor.repair' && e.details?.applied === true && e.details?.rule === 'config-restore'), { timeoutMs: 20_000 });
    await waitFor(() => t.events.some((e) => e.type === 'doctor.finding' && e.details?.rule === 'service-doctor'), { timeoutMs: 20_000 });
    expect(readFileSync(conf, 'utf8')).toBe('{"a":1}\n');
    await new Promise((r) => setTimeout(r, 300));
    const res = await rt.stop('human');
    expect(res.ok).toBe(true);
    const undone = await waitFor(() => t.events.find((e) => e.type === 'doctor.repair' && e.details?.undone === true && e.details?.cut === true), {
      timeoutMs: 15_000,
      message: () => `the cut run's changes; config now ${JSON.stringify(readFileSync(conf, 'utf8'))}; last events: ${t.events.slice(-6).map((e) => e.message).join(' | ')}`,
    });
    // The user's bytes are back; the doctor's unverified restore is kept beside them as evidence, and named.
    expect(readFileSync(conf).equals(broken)).toBe(true);
    const kept = readdirSync(dir).filter((f) => f.startsWith('svc.json.doctor-undone-'));
    expect(kept).toHaveLength(1);
    expect(readFileSync(path.join(dir, kept[0]!), 'utf8')).toBe('{"a":1}\n');
    const ev = t.events.find((e) => e.type === 'doctor.repair' && e.details?.undone === true && e.details?.cut === true)!;
    expect(undone).toBeTruthy();
    expect(ev.message).toContain('cut short');
    expect(ev.message).toContain(`put back ${conf}`);
    expect(ev.incidentId).toBeDefined();
  }, 60_000);
});
