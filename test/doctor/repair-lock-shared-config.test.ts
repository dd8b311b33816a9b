// Two Clawbacks with different state dirs repairing one config file (a daemon's Level 2 here in-process, a person's
// `clawback doctor --fix` with its own clawback.yaml as a real second process) must not repair it at once: each held only
// its own state dir's repair lock and both ran the service's own doctor on the same file.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { configRepairLockPath, repairLockPath } from '../../src/doctor/repair-lock.js';
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

describe('two doctors with different state dirs on one config file', () => {
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

  it('the second waits for the first one\'s repair instead of running the service doctor beside it', async () => {
    const log = path.join(fx.dir, 'doctor-runs.log');
    const validator = await fx.script('validate-keys.mjs', VALIDATOR);
    const release = path.join(fx.dir, 'release');
    const doctor = await fx.script('slow-doctor.mjs', DOCTOR(log, release));
    const configFile = { path: fx.configPath, format: 'json', validateCommand: [process.execPath, validator, '{file}'] };
    const doctorCfg = { command: [process.execPath, doctor, fx.configPath], timeout: '60s' };
    fx.withService({ configFile: { ...fx.service.configFile!, ...configFile }, doctor: doctorCfg });
    const otherState = path.join(fx.dir, 'other-state');
    const yamlFile = path.join(fx.dir, 'clawback.yaml');
    await fs.writeFile(
      yamlFile,
      YAML.stringify({ stateDir: otherState, services: [{ name: 'gateway', command: [process.execPath, 'server.mjs'], cwd: fx.dir, env: { CLAWBACK_TEST_CHILD: '1' }, configFile, doctor: doctorCfg }] }),
    );
    await fs.writeFile(fx.configPath, '{"name":"demo-gateway","host":"127.0.0.1","port":18789,"token":"t0ken-kept","bogus":1}\n');

    const first = runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    await waitFor(() => existsSync(log) && readFileSync(log, 'utf8').includes('start'), { timeoutMs: 30_000, message: "the first run's service doctor to start" });
    cli = spawnMarked(process.execPath, [CLI, '--config', yamlFile, 'doctor', 'gateway', '--fix']);
    const person = cli;
    try {
      await waitFor(() => {
        if (person.exitInfo()) throw new StopWaiting(`the CLI exited before waiting: ${person.stderr()}`);
        // Without the config's own lock the second run's service doctor starts beside the first one's.
        if (readFileSync(log, 'utf8').trim().split('\n').filter((l) => l.startsWith('start')).length > 1) throw new StopWaiting('a second service doctor started on the same config');
        return person.stderr().includes('repairing gateway right now');
      }, { timeoutMs: 30_000, message: () => `the CLI to wait for the running repair; its stderr: ${person.stderr()}` });
    } finally {
      await fs.writeFile(release, '');
    }
    const exit = await person.waitForExit(60_000);
    const report = await first;

    const runs = readFileSync(log, 'utf8').trim().split('\n');
    expect(runs.filter((l) => l.startsWith('start'))).toHaveLength(1);
    expect(report.exitCode).toBe(1);
    expect(person.stdout()).toContain('gateway: healthy');
    expect(exit.code).toBe(0);
    expect(JSON.parse(readFileSync(fx.configPath, 'utf8'))).toEqual({ name: 'demo-gateway', host: '127.0.0.1', port: 18789, token: 't0ken-kept' });
    // Both locks are gone afterwards; nothing of the lock is left beside the user's config.
    expect(existsSync(repairLockPath(fx.stateDir, 'gateway'))).toBe(false);
    expect(existsSync(await configRepairLockPath(fx.configPath))).toBe(false);
    expect((await fs.readdir(fx.dir)).filter((n) => n.includes('clawback-repair'))).toEqual([]);
  }, 150_000);

  it('a config whose directory cannot take the lock is still repaired (the state dir lock alone)', async () => {
    await fs.writeFile(fx.configPath, '{"name":"demo-gateway","host":"127.0.0.1","port":"x"}\n');
    const missingDir = path.join(fx.dir, 'not-there', 'gateway.json');
    expect(await configRepairLockPath(missingDir)).toBe(path.join(fx.dir, 'not-there', '.gateway.json.clawback-repair'));
    const report = await runDoctor(fx.ctx(), { fix: true, lockWaitMs: 300, rules: [configRestoreRule()] });
    expect(report.findings.map((f) => f.rule)).not.toContain('repair-lock');
  });
});
