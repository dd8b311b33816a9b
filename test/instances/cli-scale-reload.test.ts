// The commands as a user runs them against `clawback run`: scale, reload (exit 2 on an invalid file), reload NAME, SIGHUP.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { CLI, runCli } from '../helpers/cli.js';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { freePortRun, webService } from './instance-helpers.js';

let daemonProc: MarkedChild | undefined;
afterEach(async () => {
  if (daemonProc) {
    daemonProc.child.kill('SIGTERM');
    await daemonProc.waitForExit(15_000).catch(() => daemonProc?.kill());
    daemonProc = undefined;
  }
});

interface Status {
  services: Array<{ name: string; pid: number | null; health: string; group?: string }>;
  scaled: Array<{ service: string; instances: number; healthy: number }>;
}

describe('clawback scale / reload from the command line', () => {
  it('scale, reload NAME, reload with an invalid file (exit 2), and SIGHUP applying an added service', async () => {
    const dir = tempDir();
    const stateDir = path.join(dir, 'state');
    const config = path.join(dir, 'clawback.yaml');
    const base = await freePortRun(2);
    const sleeper = (name: string) => ({ name, command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] });
    const write = (services: Array<Record<string, unknown>>): void => writeFileSync(config, YAML.stringify(markServices({ api: { port: 0 }, services })));
    write([webService(base, 1), sleeper('side')]);
    daemonProc = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', stateDir]);
    await daemonProc.waitForStdout('dashboard:', 20_000);
    const cli = (...args: string[]) => runCli([...args, '--state-dir', stateDir], { timeoutMs: 60_000 });
    const status = async (): Promise<Status> => JSON.parse((await cli('status', '--json')).stdout) as Status;

    const up = await cli('scale', 'web', '2');
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain('web: scaled from 1 to 2 instance(s)');
    await waitFor(async () => (await status()).scaled.find((g) => g.service === 'web')?.healthy === 2, { timeoutMs: 20_000, message: 'web:0 and web:1 healthy' });
    const table = await cli('status');
    expect(table.stdout).toMatch(/web:1\s+running/);
    expect(table.stdout).toContain('web: 2 instance(s), 2 healthy');

    expect((await cli('scale', 'side', '2')).code).toBe(1);
    expect((await cli('scale', 'nope', '2')).code).toBe(4);
    const bad = await cli('scale', 'web', 'many');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('instances: expected a whole number');

    const pids = Object.fromEntries((await status()).services.map((s) => [s.name, s.pid]));
    const rolled = await cli('reload', 'web', '--timeout', '20s');
    expect(rolled.code, rolled.stderr).toBe(0);
    expect(rolled.stdout).toContain('rolling restart of web: 2 instance(s) restarted one at a time');
    const afterRoll = Object.fromEntries((await status()).services.map((s) => [s.name, s.pid]));
    expect(afterRoll['web:0']).not.toBe(pids['web:0']);
    expect(afterRoll['web:1']).not.toBe(pids['web:1']);
    expect(afterRoll.side).toBe(pids.side);

    writeFileSync(config, 'services:\n  - name: web\n    command: [x]\n    instances: lots\n');
    const invalid = await cli('reload');
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('services[0].instances');
    expect(Object.fromEntries((await status()).services.map((s) => [s.name, s.pid]))).toEqual(afterRoll);

    // SIGHUP: the same reload, from the signal. The scale override stays (the file still says instances: 1).
    write([webService(base, 1), sleeper('side'), sleeper('added')]);
    daemonProc.child.kill('SIGHUP');
    await waitFor(async () => (await status()).services.find((s) => s.name === 'added')?.pid, { timeoutMs: 20_000, message: 'the added service to run after SIGHUP' });
    await daemonProc.waitForStdout('SIGHUP: config reloaded', 5_000);
    const final = await status();
    expect(final.services.map((s) => s.name).sort()).toEqual(['added', 'side', 'web:0', 'web:1']);
    expect(final.services.find((s) => s.name === 'side')?.pid).toBe(pids.side);
    expect(daemonProc.exitInfo()).toBeUndefined();
  }, 150_000);
});
