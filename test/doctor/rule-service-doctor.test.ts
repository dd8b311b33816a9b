import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { DOCTOR_ROLLED_BACK, serviceDoctorRule } from '../../src/doctor/rule-service-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { sha256 } from '../../src/platform/config-file.js';
import { GOOD_CONFIG, makeFixture, type DoctorFixture } from './doctor-fixtures.js';

/** A "service doctor" that truncates the config it is given. */
const CORRUPTING = `import { writeFileSync } from 'node:fs';
process.stdout.write('doctor: fixing things\\n');
writeFileSync(process.argv[2], '{"name":"demo-gateway","po');
`;

/** A "service doctor" that adds a field and normalises the port. */
const IMPROVING = `import { readFileSync, writeFileSync } from 'node:fs';
const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));
cfg.port = Number.parseInt(String(cfg.port), 10);
cfg.logLevel = 'info';
writeFileSync(process.argv[2], JSON.stringify(cfg, null, 2) + '\\n');
process.stdout.write('doctor: normalised port, added logLevel\\n');
`;

/**
 * A doctor that writes the way `openclaw doctor --fix` 2026.9.6 does (measured): each write shifts .bak.N to .bak.N+1
 * (the oldest, .bak.4, falls off) and copies the file to .bak; one run writes twice. `first` and `second` edit `cfg`.
 */
const ROTATING = (first: string, second: string): string => `import { copyFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
const file = process.argv[2];
const write = (text) => {
  for (let n = 3; n >= 1; n--) if (existsSync(file + '.bak.' + n)) renameSync(file + '.bak.' + n, file + '.bak.' + (n + 1));
  if (existsSync(file + '.bak')) renameSync(file + '.bak', file + '.bak.1');
  copyFileSync(file, file + '.bak');
  writeFileSync(file, text);
};
const cfg = JSON.parse(readFileSync(file, 'utf8'));
${first}
write(JSON.stringify(cfg));
${second}
write(JSON.stringify(cfg));`;

async function evidence(fx: DoctorFixture): Promise<string[]> {
  return (await fs.readdir(fx.dir)).filter((n) => n.startsWith('gateway.json.corrupt-')).map((n) => path.join(fx.dir, n));
}

describe('service-doctor rule', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture();
  });
  afterEach(() => fx.cleanup());

  it('a doctor that corrupts the config is rolled back to the original bytes; its version is kept', async () => {
    const script = await fx.script('corrupting-doctor.mjs', CORRUPTING);
    fx.withService({ doctor: { command: [process.execPath, script, fx.configPath] } });
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [serviceDoctorRule({ always: true })] });
    const out = report.outcomes[0]!;
    expect(out.message).toContain(DOCTOR_ROLLED_BACK);
    expect(out).toMatchObject({ applied: false, verified: false, before: sha256(GOOD_CONFIG), after: sha256(GOOD_CONFIG) });
    expect(out.details).toMatchObject({ rolledBack: true, exitCode: 0 });
    expect(out.details!.stdout).toContain('doctor: fixing things');
    expect(report.exitCode).toBe(2);
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(GOOD_CONFIG);
    expect((await fs.stat(fx.configPath)).mode & 0o777).toBe(0o640);
    const kept = await evidence(fx);
    expect(kept).toHaveLength(1);
    expect(await fs.readFile(kept[0]!, 'utf8')).toBe('{"name":"demo-gateway","po');
  });

  it('a doctor that improves the config is kept, with the diff recorded (run first by config-restore, as the least change)', async () => {
    const start = '{"name":"demo-gateway","host":"127.0.0.1","port":"18789"}\n'; // invalid: port is a string
    await fs.writeFile(fx.configPath, start);
    const script = await fx.script('improving-doctor.mjs', IMPROVING);
    fx.withService({ doctor: { command: [process.execPath, script, fx.configPath] } });
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule(), serviceDoctorRule({ configRepairedElsewhere: true })] });
    // config-restore ran the service's own doctor before anything else; the service-doctor rule had nothing left to do.
    expect(report.findings.map((f) => f.rule)).toEqual(['config-restore']);
    const doc = report.outcomes.find((o) => o.finding.rule === 'config-restore')!;
    expect(doc).toMatchObject({ applied: true, verified: true, before: sha256(start) });
    expect(doc.details).toMatchObject({ method: 'service-doctor' });
    const after = await fs.readFile(fx.configPath, 'utf8');
    expect(JSON.parse(after)).toEqual({ name: 'demo-gateway', host: '127.0.0.1', port: 18789, logLevel: 'info' });
    expect(doc.after).toBe(sha256(after));
    const diff = doc.details!.diff as { sizeBefore: number; sizeAfter: number; added: number; removed: number; lines?: string[] };
    expect(diff.sizeBefore).toBe(start.length);
    expect(diff.sizeAfter).toBe(after.length);
    expect(diff.removed).toBe(1);
    expect(diff.lines).toBeUndefined(); // lines carry values (tokens): the journal gets paths only
    expect(doc.details!.semanticDiff).toEqual({ added: ['logLevel'], removed: [], changed: ['port'], truncated: false });
    expect(doc.message).toMatch(/config changed \(changed: port; added: logLevel\)/);
    // The restore finding was resolved by the later repair; the original bytes are in a pre-repair snapshot.
    expect(report.exitCode).toBe(1);
    const pre = await fx.snapshots.list('pre-repair');
    expect(pre.some((e) => e.sha256 === sha256(start))).toBe(true);
    expect(await evidence(fx)).toHaveLength(0);
  });

  it('a doctor that makes the config valid but drops or changes a protected setting is rolled back', async () => {
    // Invalid (unknown key), with a "token" the user set; this doctor fixes the key but also drops the token and moves the port.
    const start = '{"name":"demo-gateway","host":"127.0.0.1","port":18789,"auth":{"token":"s3cret"},"bogus":1}\n';
    await fs.writeFile(fx.configPath, start);
    const script = await fx.script(
      'rude-doctor.mjs',
      `import { writeFileSync } from 'node:fs'; writeFileSync(process.argv[2], JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 19001 }));`,
    );
    fx.withService({
      doctor: { command: [process.execPath, script, fx.configPath] },
      configFile: { ...fx.service.configFile, protect: ['auth', 'port'] },
    });
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [serviceDoctorRule({ always: true })] });
    const out = report.outcomes[0]!;
    expect(out.message).toContain(DOCTOR_ROLLED_BACK);
    expect(out.message).toMatch(/removed auth\.token, changed port \(protected\)/);
    expect(out.details).toMatchObject({ rolledBack: true, protectedLost: [{ path: 'auth.token', change: 'removed' }, { path: 'port', change: 'changed' }] });
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(start);
    expect(JSON.stringify(out)).not.toContain('s3cret');
  });

  it('does not run when the config is valid (unless always), nor in a dry run', async () => {
    const marker = path.join(fx.dir, 'ran');
    const script = await fx.script('touch.mjs', `import { writeFileSync } from 'node:fs'; writeFileSync(${JSON.stringify(marker)}, 'x');`);
    fx.withService({ doctor: { command: [process.execPath, script] } });
    expect((await runDoctor(fx.ctx(), { fix: true, rules: [serviceDoctorRule()] })).exitCode).toBe(0);
    expect((await runDoctor(fx.ctx(), { fix: false, rules: [serviceDoctorRule({ always: true })] })).exitCode).toBe(0);
    await expect(fs.access(marker)).rejects.toThrow();
    const forced = await runDoctor(fx.ctx(), { fix: true, rules: [serviceDoctorRule({ always: true })] });
    expect(forced.exitCode).toBe(1);
    await fs.access(marker);
    expect(forced.outcomes[0]!.message).toMatch(/config unchanged/);
  });

  it('a doctor that outlives its timeout is killed and the finding stays', async () => {
    const script = await fx.script('hang.mjs', 'setInterval(() => {}, 1000);');
    fx.withService({ doctor: { command: [process.execPath, script], timeout: 300 } });
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [serviceDoctorRule({ always: true })] });
    expect(report.outcomes[0]!.details).toMatchObject({ timedOut: true });
    expect(report.outcomes[0]!.verified).toBe(false);
    expect(report.exitCode).toBe(2);
  });

  it('a doctor killed at its timeout after writing a valid config is rolled back all the same (a half-done repair)', async () => {
    // It rewrites the file (valid JSON, protected settings kept), then hangs in the middle of its work.
    const script = await fx.script(
      'half-doctor.mjs',
      `import { readFileSync, writeFileSync } from 'node:fs';
const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));
cfg.logLevel = 'debug';
writeFileSync(process.argv[2], JSON.stringify(cfg));
process.stdout.write('doctor: step 1 of 2 done\\n');
setInterval(() => {}, 1000);`,
    );
    fx.withService({ doctor: { command: [process.execPath, script, fx.configPath], timeout: 1500 } });
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [serviceDoctorRule({ always: true })] });
    const out = report.outcomes[0]!;
    expect(out.details).toMatchObject({ timedOut: true, rolledBack: true });
    expect(out.details!.stdout).toContain('step 1 of 2 done');
    expect(out.message).toContain(DOCTOR_ROLLED_BACK);
    expect(out.message).toContain('killed before it finished');
    expect(out).toMatchObject({ applied: false, verified: false });
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(GOOD_CONFIG);
    const kept = await evidence(fx);
    expect(kept).toHaveLength(1);
    expect(JSON.parse(await fs.readFile(kept[0]!, 'utf8'))).toMatchObject({ logLevel: 'debug' });
  });

  it("a rolled-back doctor leaves the service's own backup chain as it found it (openclaw doctor rotates .bak..bak.4 on each write)", async () => {
    // Modelled on `openclaw doctor --fix --non-interactive` 2026.9.6, measured: each config write shifts .bak.N to .bak.N+1
    // (the oldest .bak.4 falls off) and copies the file to .bak; one run writes twice, so the user's .bak.3 and .bak.4 are
    // gone. This one then drops the token (a reason to roll back).
    const start = '{"name":"demo-gateway","host":"127.0.0.1","port":18789,"auth":{"token":"s3cret"},"bogus":1}\n';
    await fs.writeFile(fx.configPath, start);
    const chain = ['', '.1', '.2', '.3', '.4'].map((s) => `${fx.configPath}.bak${s}`);
    const older = chain.map((_, i) => `{"name":"demo-gateway","host":"127.0.0.1","port":18789,"generation":${i}}\n`);
    for (const [i, f] of chain.entries()) await fs.writeFile(f, older[i]!);
    const script = await fx.script('rotating-doctor.mjs', ROTATING('delete cfg.bogus;', 'delete cfg.auth;'));
    fx.withService({
      doctor: { command: [process.execPath, script, fx.configPath] },
      configFile: { ...fx.service.configFile, protect: ['auth'], backupGlobs: ['gateway.json.bak', 'gateway.json.bak.*'] },
    });
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [serviceDoctorRule({ always: true })] });
    const out = report.outcomes[0]!;
    expect(out.details).toMatchObject({ rolledBack: true });
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(start);
    // Every backup holds what it held before the run: none of the user's older copies was pushed out.
    expect(await Promise.all(chain.map((f) => fs.readFile(f, 'utf8')))).toEqual(older);
    expect(out.message).toMatch(/backups? .*put back/);
  });

  it("a kept doctor run that rotated the backup chain: the user's copies pushed off its end are kept in Clawback's evidence", async () => {
    const start = '{"name":"demo-gateway","host":"127.0.0.1","port":18789,"auth":{"token":"s3cret"},"bogus":1}\n';
    await fs.writeFile(fx.configPath, start);
    const chain = ['', '.1', '.2', '.3', '.4'].map((s) => `${fx.configPath}.bak${s}`);
    const older = chain.map((_, i) => `{"name":"demo-gateway","host":"127.0.0.1","port":18789,"generation":${i}}\n`);
    for (const [i, f] of chain.entries()) await fs.writeFile(f, older[i]!);
    const script = await fx.script('rotating-doctor.mjs', ROTATING('delete cfg.bogus;', "cfg.logLevel = 'info';"));
    fx.withService({
      doctor: { command: [process.execPath, script, fx.configPath] },
      configFile: { ...fx.service.configFile, protect: ['auth'], backupGlobs: ['gateway.json.bak', 'gateway.json.bak.*'] },
    });
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [serviceDoctorRule({ always: true })] });
    const out = report.outcomes[0]!;
    expect(out.details!.rolledBack).toBeUndefined();
    expect(JSON.parse(await fs.readFile(fx.configPath, 'utf8'))).toEqual({ name: 'demo-gateway', host: '127.0.0.1', port: 18789, auth: { token: 's3cret' }, logLevel: 'info' });
    // The doctor's change and its rotation stand; generations 3 and 4 are no longer in the chain, so they are kept.
    const dir = path.join(fx.stateDir, 'evidence', 'backups', fx.service.name);
    const kept = (await fs.readdir(dir)).sort();
    expect(kept).toHaveLength(2);
    expect(await Promise.all(kept.map((n) => fs.readFile(path.join(dir, n), 'utf8')))).toEqual(expect.arrayContaining([older[3], older[4]]));
    expect(out.message).toContain('pushed out of the chain, kept at');
  });

  it("a rotating doctor is not run when Clawback cannot keep the copies it would push out of the chain (evidence dir unwritable)", async () => {
    // Seen: <state>/evidence unusable (here a file in its place, as a full disk or a read-only mount would be): the doctor
    // ran, its rotation pushed the user's .bak.3 and .bak.4 off the chain, and keeping them failed after the fact, so the
    // user's two oldest copies were gone with only a note. The repair is refused instead, before anything is touched.
    const start = '{"name":"demo-gateway","host":"127.0.0.1","port":18789,"auth":{"token":"s3cret"},"bogus":1}\n';
    await fs.writeFile(fx.configPath, start);
    const chain = ['', '.1', '.2', '.3', '.4'].map((s) => `${fx.configPath}.bak${s}`);
    const older = chain.map((_, i) => `{"name":"demo-gateway","host":"127.0.0.1","port":18789,"generation":${i}}\n`);
    for (const [i, f] of chain.entries()) await fs.writeFile(f, older[i]!);
    await fs.mkdir(fx.stateDir, { recursive: true });
    await fs.writeFile(path.join(fx.stateDir, 'evidence'), 'not a directory');
    const script = await fx.script('rotating-doctor.mjs', ROTATING('delete cfg.bogus;', "cfg.logLevel = 'info';"));
    fx.withService({
      doctor: { command: [process.execPath, script, fx.configPath] },
      configFile: { ...fx.service.configFile, protect: ['auth'], backupGlobs: ['gateway.json.bak', 'gateway.json.bak.*'] },
    });
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [serviceDoctorRule({ always: true })] });
    const out = report.outcomes[0]!;
    expect(out.applied).toBe(false);
    // Nothing was touched: the config and every copy of the chain hold what they held.
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(start);
    expect(await Promise.all(chain.map((f) => fs.readFile(f, 'utf8')))).toEqual(older);
    // Said with the path, the error and what to do.
    const said = `${out.message} ${JSON.stringify(out.details ?? {})}`;
    expect(said).toContain(path.join(fx.stateDir, 'evidence', 'backups', fx.service.name));
    expect(said).toMatch(/ENOTDIR|EEXIST/);
    expect(said).toContain('not run');
    // Once the evidence dir is usable again, the same run goes ahead and keeps the pushed-out copies.
    await fs.rm(path.join(fx.stateDir, 'evidence'));
    const again = (await runDoctor(fx.ctx(), { fix: true, rules: [serviceDoctorRule({ always: true })] })).outcomes[0]!;
    expect(again.applied).toBe(true);
    const dir = path.join(fx.stateDir, 'evidence', 'backups', fx.service.name);
    const kept = (await fs.readdir(dir)).sort();
    expect(kept).toHaveLength(2);
    expect(await Promise.all(kept.map((n) => fs.readFile(path.join(dir, n), 'utf8')))).toEqual(expect.arrayContaining([older[3], older[4]]));
  });
});
