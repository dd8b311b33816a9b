// Two actors repairing one service: the daemon's Level 2 run (here in-process) and a person's `clawback doctor --fix` (a real
// second process) must not run the service's own doctor on the same config at once.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { repairLockPath } from '../../src/doctor/repair-lock.js';
import { CLI } from '../helpers/cli.js';
import { spawnMarked, StopWaiting, waitFor, type MarkedChild } from '../helpers/processes.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

const KEYS = ['name', 'host', 'port', 'token'];

/** Rejects any key but KEYS, naming each as "KEY: unknown key". */
const VALIDATOR = `import { readFileSync } from 'node:fs';
let cfg; try { cfg = JSON.parse(readFileSync(process.argv[2], 'utf8')); } catch { process.stderr.write('unparseable\\n'); process.exit(1); }
const extra = Object.keys(cfg).filter((k) => !${JSON.stringify(KEYS)}.includes(k));
for (const k of extra) process.stderr.write(k + ': unknown key\\n');
process.exit(extra.length ? 1 : 0);
`;

/**
 * A slow service doctor (as OpenClaw's, 9-18 s) that drops unknown keys, logging when each run starts and ends. It works
 * until the test lets it go (the file `release` exists; bounded at 40 s): a fixed 5 s was over before the person's CLI,
 * started at load 15, even reached the lock, and the CLI then found nothing to wait for.
 */
const DOCTOR = (log: string, release: string): string => `import { existsSync, readFileSync, writeFileSync, renameSync, appendFileSync } from 'node:fs';
const file = process.argv[2];
appendFileSync(${JSON.stringify(log)}, 'start ' + Date.now() + '\\n');
for (let i = 0; i < 400 && !existsSync(${JSON.stringify(release)}); i++) await new Promise((r) => setTimeout(r, 100));
const cfg = JSON.parse(readFileSync(file, 'utf8'));
for (const k of Object.keys(cfg)) if (!${JSON.stringify(KEYS)}.includes(k)) delete cfg[k];
writeFileSync(file + '.tmp', JSON.stringify(cfg) + '\\n'); renameSync(file + '.tmp', file);
appendFileSync(${JSON.stringify(log)}, 'end ' + Date.now() + '\\n');
`;

describe("a person's doctor --fix while the daemon's doctor repairs the same service", () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture();
  });
  let cli: MarkedChild | undefined;
  afterEach(async () => {
    cli?.kill();
    cli = undefined;
    await fx.cleanup();
  });

  it('waits for the running repair instead of running the service doctor beside it, and says so', async () => {
    const log = path.join(fx.dir, 'doctor-runs.log');
    const validator = await fx.script('validate-keys.mjs', VALIDATOR);
    const release = path.join(fx.dir, 'release');
    const doctor = await fx.script('slow-doctor.mjs', DOCTOR(log, release));
    const configFile = { path: fx.configPath, format: 'json', validateCommand: [process.execPath, validator, '{file}'] };
    // Generous: the person's CLI waits up to this long for the daemon's repair, validator runs and all, on a loaded machine.
    const doctorCfg = { command: [process.execPath, doctor, fx.configPath], timeout: '60s' };
    fx.withService({ configFile: { ...fx.service.configFile!, ...configFile }, doctor: doctorCfg });
    const yamlFile = path.join(fx.dir, 'clawback.yaml');
    await fs.writeFile(
      yamlFile,
      YAML.stringify({ stateDir: fx.stateDir, services: [{ name: 'gateway', command: [process.execPath, 'server.mjs'], cwd: fx.dir, env: { CLAWBACK_TEST_CHILD: '1' }, configFile, doctor: doctorCfg }] }),
    );
    await fs.writeFile(fx.configPath, '{"name":"demo-gateway","host":"127.0.0.1","port":18789,"token":"t0ken-kept","bogus":1}\n');

    // The daemon's Level 2 run starts first; the person's CLI comes while its service doctor is still running.
    const daemonRun = runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    await waitFor(() => existsSync(log) && readFileSync(log, 'utf8').includes('start'), { timeoutMs: 30_000, message: "the daemon's service doctor to start" });
    cli = spawnMarked(process.execPath, [CLI, '--config', yamlFile, 'doctor', 'gateway', '--fix']);
    const person = cli;
    // The daemon's repair goes on until the CLI says it is waiting for it; then it may finish (also when the CLI did not wait).
    try {
      await waitFor(() => {
        if (person.exitInfo()) throw new StopWaiting(`the CLI exited before waiting: ${person.stderr()}`);
        return person.stderr().includes('repairing gateway right now');
      }, { timeoutMs: 30_000, message: () => `the CLI to wait for the running repair; its stderr: ${person.stderr()}` });
    } finally {
      await fs.writeFile(release, '');
    }
    const exit = await person.waitForExit(60_000);
    const report = await daemonRun;

    // One service doctor ran: the CLI waited for the daemon's repair and then found the config valid.
    const runs = readFileSync(log, 'utf8').trim().split('\n');
    expect(runs.filter((l) => l.startsWith('start'))).toHaveLength(1);
    expect(report.exitCode).toBe(1);
    expect(person.stderr()).toContain('repairing gateway right now; waiting for it to finish');
    expect(person.stdout()).toContain('gateway: healthy');
    expect(exit.code).toBe(0);
    expect(JSON.parse(readFileSync(fx.configPath, 'utf8'))).toEqual({ name: 'demo-gateway', host: '127.0.0.1', port: 18789, token: 't0ken-kept' });
    expect(existsSync(repairLockPath(fx.stateDir, 'gateway'))).toBe(false);
  }, 150_000);

  it("waits for the holder's whole pass (validator, service doctor, validator), not for doctor.timeout alone", async () => {
    // The holder's pass may last doctor.timeout + 2 x validateTimeout: a wait of doctor.timeout alone (1 s here) gave up
    // on a repair that was still legitimately running (OpenClaw preset: 90 s of wait against a 210 s pass).
    fx.withService({ doctor: { ...fx.service.doctor, timeout: 1_000 }, configFile: { ...fx.service.configFile!, validateTimeout: 2_000 } });
    const lockFile = repairLockPath(fx.stateDir, 'gateway');
    await fs.mkdir(path.dirname(lockFile), { recursive: true });
    await fs.writeFile(lockFile, JSON.stringify({ pid: process.ppid, startTime: null, acquiredAt: Date.now(), token: 'other' }));
    await fs.writeFile(fx.configPath, '{"name":"demo-gateway","host":"127.0.0.1","port":"x"}\n');
    const waited: number[] = [];
    const t0 = Date.now();
    const released = new Promise<void>((resolve) => setTimeout(() => void fs.rm(lockFile, { force: true }).then(() => resolve()), 2_500));
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()], onLockWait: () => waited.push(Date.now() - t0) });
    await released;
    expect(waited.length).toBeGreaterThan(0);
    expect(report.findings.map((f) => f.rule)).not.toContain('repair-lock');
  }, 60_000);

  it('a repair lock still held after the wait changes nothing and says who holds it', async () => {
    await fs.mkdir(path.dirname(repairLockPath(fx.stateDir, 'gateway')), { recursive: true });
    // Held by a live process (this test's own parent, never us): not abandoned.
    await fs.writeFile(repairLockPath(fx.stateDir, 'gateway'), JSON.stringify({ pid: process.ppid, startTime: null, acquiredAt: Date.now(), token: 'other' }));
    await fs.writeFile(fx.configPath, '{"name":"demo-gateway","host":"127.0.0.1","port":"x"}\n');
    const report = await runDoctor(fx.ctx(), { fix: true, lockWaitMs: 300, rules: [configRestoreRule()] });
    expect(report.exitCode).toBe(2);
    expect(report.outcomes).toHaveLength(0);
    expect(report.findings.map((f) => f.rule)).toEqual(['repair-lock']);
    expect(report.findings[0]!.evidence).toContain(`pid ${process.ppid}`);
    expect(readFileSync(fx.configPath, 'utf8')).toContain('"port":"x"');
  });
});
