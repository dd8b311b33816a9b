// `clawback guardian --once --state-dir D` with no --config (typed by hand, from another directory) revived the daemon
// with ./clawback.yaml of its cwd or the embedded demo (OpenClaw's port 18789, the API on 18790), not the config the
// daemon last ran (daemon.json), leaving the user's services unsupervised; and it dropped the --api-port the daemon ran
// with, as the "start it with" hint did. It now runs what daemon.json records, says so, and refuses when that file is gone.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { isAlive, spawnMarked, waitFor } from '../helpers/processes.js';
import { writeDaemonInfo } from '../../src/daemon/heartbeat.js';
import { reviveConfig } from '../../src/cli/revive-config.js';

const cleanup: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

interface Report {
  outcome: string;
  actions: string[];
  after?: { pid: number; configPath: string; api: { port: number }; apiPortOverride?: number };
}

/** A user's config, a decoy ./clawback.yaml in another directory, and a state dir whose last daemon (dead) ran the first. */
async function setup(opts: { apiPort: number; apiPortOverride?: number }): Promise<{ stateDir: string; configFile: string; elsewhere: string; home: string; decoy: string }> {
  const dir = tempDir('clawback-recorded-config-');
  const home = path.join(dir, 'home'); // no unit or plist: the daemon is started directly, as cron's guardian does
  const stateDir = path.join(dir, 'state');
  const elsewhere = path.join(dir, 'elsewhere');
  for (const d of [home, stateDir, elsewhere]) mkdirSync(d);
  const configFile = path.join(dir, 'user.yaml');
  writeFileSync(configFile, YAML.stringify(markServices({ stateDir, api: { port: opts.apiPort }, services: [{ name: 'mine', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] })));
  const decoy = path.join(elsewhere, 'clawback.yaml');
  writeFileSync(decoy, YAML.stringify(markServices({ stateDir, api: { port: 0 }, services: [{ name: 'decoy', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] })));
  const gone = spawnMarked(process.execPath, ['-e', '0']);
  await gone.waitForExit(10_000);
  await writeDaemonInfo(stateDir, {
    pid: gone.pid,
    startedAt: Date.now() - 60_000,
    version: '0.1.0',
    api: { host: '127.0.0.1', port: opts.apiPortOverride ?? opts.apiPort },
    heartbeatAt: Date.now() - 30_000,
    configPath: configFile,
    ...(opts.apiPortOverride !== undefined ? { apiPortOverride: opts.apiPortOverride } : {}),
    pidStartTime: null,
  });
  return { stateDir, configFile, elsewhere, home, decoy };
}

async function guardian(stateDir: string, elsewhere: string, home: string): Promise<{ code: number | null; report?: Report; stderr: string }> {
  const r = await runCli(['guardian', '--once', '--state-dir', stateDir], { cwd: elsewhere, env: { HOME: home, CLAWBACK_CONFIG: '' }, timeoutMs: 40_000 });
  const report = r.stdout.trim().startsWith('{') ? (JSON.parse(r.stdout) as Report) : undefined;
  const pid = report?.after?.pid;
  if (pid) {
    cleanup.push(async () => {
      process.kill(pid, 'SIGINT'); // the daemon stops its service and exits
      await waitFor(() => !isAlive(pid) || undefined, { timeoutMs: 20_000, intervalMs: 100 }).catch(() => process.kill(pid, 'SIGKILL'));
    });
  }
  return { code: r.code, ...(report ? { report } : {}), stderr: r.stderr };
}

describe('the guardian without --config revives what daemon.json records', () => {
  it('runs the config the daemon last ran, not ./clawback.yaml of its cwd, with the --api-port it ran with, and says so', async () => {
    const [configured, override] = [await freePort(), await freePort()];
    const { stateDir, configFile, elsewhere, home } = await setup({ apiPort: configured, apiPortOverride: override });
    const { report } = await guardian(stateDir, elsewhere, home);
    expect(report?.outcome, report?.actions.join('\n')).toBe('revived');
    expect(report!.after!.configPath).toBe(configFile);
    expect(report!.after!.api.port).toBe(override);
    expect(report!.after!.apiPortOverride).toBe(override);
    expect(report!.actions[0]).toBe(`config: ${configFile} with --api-port ${override}, as the daemon of ${stateDir} last ran (daemon.json)`);
  }, 60_000);

  it('refuses, and starts nothing, when the config it last ran is gone', async () => {
    const { stateDir, configFile, elsewhere, home } = await setup({ apiPort: 0 });
    rmSync(configFile); // moved or deleted after the daemon died
    const r = await guardian(stateDir, elsewhere, home);
    expect(r.code).toBe(2);
    expect(r.report).toBeUndefined();
    expect(r.stderr).toContain(`the config the daemon of ${stateDir} last ran (${configFile}, from daemon.json) is gone`);
    expect(existsSync(path.join(stateDir, 'logs', 'daemon.out.log'))).toBe(false);
  }, 60_000);

  it('the "start it with" hint keeps the --api-port the daemon ran with', async () => {
    const { stateDir, configFile, elsewhere, home } = await setup({ apiPort: 0, apiPortOverride: 0 });
    const r = await runCli(['status', '--state-dir', stateDir], { cwd: elsewhere, env: { HOME: home, PATH: '/usr/bin:/bin', CLAWBACK_CONFIG: '' } });
    expect(r.code).toBe(3);
    expect(/start it with: (.*)$/m.exec(r.stderr)?.[1]).toMatch(new RegExp(`--config ${configFile} .*run --api-port 0$`));
  });

  it('a --config naming another file than the one it ran does not inherit its --api-port', () => {
    const info = { pid: 1, startedAt: 0, version: '0', api: { host: '127.0.0.1', port: 5 }, heartbeatAt: 0, configPath: '/a/ran.yaml', apiPortOverride: 5, pidStartTime: null };
    const exists = (): boolean => true;
    expect(reviveConfig({ flag: '/a/other.yaml', stateDir: '/s', info, env: {}, exists })).toEqual({ configPath: '/a/other.yaml', source: 'flag' });
    expect(reviveConfig({ flag: '/a/ran.yaml', stateDir: '/s', info, env: {}, exists })).toEqual({ configPath: '/a/ran.yaml', source: 'flag', apiPort: 5 });
    expect(reviveConfig({ stateDir: '/s', info: { ...info, configPath: '' }, env: {}, exists, cwd: '/nowhere' }).configPath).toBeUndefined();
  });
});
