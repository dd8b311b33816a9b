// A doctor run cut by its TRUE deadline (doctor.timeout + slack + the validator runs, reached on an injected clock while a
// real slow validator runs): the Level 4 page said only "the doctor did not finish within 13m0s"; what the cut run did not
// try (and what it put back) came later as separate events. The page now waits (bounded) for the cut run's word and says it.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startTestDaemon, NODE, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { jumpableClock } from '../helpers/clock.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('a doctor run cut at its deadline', () => {
  it('escalates with what the cut run did not try, in the same message', async () => {
    const dir = tempDir();
    const conf = path.join(dir, 'svc.json');
    const svc = path.join(dir, 'svc.mjs');
    writeFileSync(svc, `import { readFileSync } from 'node:fs';\ntry { JSON.parse(readFileSync(process.argv[2], 'utf8')); } catch { process.exit(78); }\nprocess.on('SIGUSR1', () => process.exit(78));\nsetInterval(() => {}, 1000);\n`);
    const slowMode = path.join(dir, 'slow-mode');
    const started = path.join(dir, 'slow-started');
    const validator = path.join(dir, 'validate.mjs');
    writeFileSync(
      validator,
      `import { existsSync, readFileSync, writeFileSync } from 'node:fs';\nJSON.parse(readFileSync(process.argv[2], 'utf8'));\nif (existsSync(${JSON.stringify(slowMode)})) { writeFileSync(${JSON.stringify(started)}, 'x'); setTimeout(() => {}, 30000); }\n`,
    );
    writeFileSync(conf, '{"a":1}\n');
    const clock = jumpableClock();
    td = await startTestDaemon(
      { services: [{ name: 'svc', command: [NODE, svc, conf], configFile: { path: conf, format: 'json', validateCommand: [NODE, validator, '{file}'] }, doctor: { snapshotAfter: '300ms', timeout: '60s', attempts: 1 } }] },
      { dir, clock },
    );
    const t = td;
    const rt = t.daemon.runtimes.get('svc')!;
    await waitFor(() => t.events.some((e) => e.type === 'config.snapshot'), { timeoutMs: 20_000 });
    writeFileSync(slowMode, 'x');
    writeFileSync(conf, '{"a":2,\n');
    process.kill(rt.status().pid!, 'SIGUSR1');
    await waitFor(() => existsSync(started), { timeoutMs: 20_000, message: () => `the restore's validator never ran; last events: ${t.events.slice(-5).map((e) => e.message).join(' | ')}` });
    // The run's deadline (doctor.timeout 60 s + 120 s + 20 validator runs of 30 s: 13m0s) passed at once.
    clock.jump(13 * 60_000);
    const esc = await waitFor(() => t.events.find((e) => e.type === 'incident.escalated'), { timeoutMs: 15_000, message: () => `no escalation; last events: ${t.events.slice(-6).map((e) => e.message).join(' | ')}` });
    expect(esc.message).toContain('the doctor did not finish within');
    expect(esc.message).toContain('restore cut short');
    expect(esc.message).toContain('after 1 of 1 candidate copies');
    expect(esc.message).toContain(`${conf} left untouched`);
    expect(esc.message).toContain('its deadline');
    expect(readFileSync(conf, 'utf8')).toBe('{"a":2,\n');
    expect(esc.details).toMatchObject({ cutRun: expect.stringContaining('restore cut short') });
    // One page per climb, with the words: the Level 4 step (critical) does not go out ahead of it, before the cut run spoke.
    const steps = t.events.filter((e) => e.type === 'incident.level' && e.level === 4);
    expect(steps).toHaveLength(1);
    expect(t.events.indexOf(steps[0]!)).toBe(t.events.indexOf(esc) - 1);
  }, 60_000);
});
