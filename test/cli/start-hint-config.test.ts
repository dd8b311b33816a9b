// The "start it with" / "revive it with" hints name the config the daemon ran: pasted from another directory, a bare
// `clawback --state-dir D run` started the embedded demo in the user's state dir and left their services unsupervised.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/daemon.js';
import { spawnMarked, type MarkedChild } from '../helpers/processes.js';
import { writeDaemonInfo } from '../../src/daemon/heartbeat.js';
import { processStartTime } from '../../src/platform/proc.js';

let procs: MarkedChild[] = [];
afterEach(async () => {
  for (const p of procs) p.kill();
  await Promise.all(procs.map((p) => p.waitForExit(5000).catch(() => undefined)));
  procs = [];
});

/** A user's config in its own directory, and a state dir whose last daemon ran it. */
function userSetup(): { stateDir: string; configFile: string; elsewhere: string } {
  const home = tempDir('clawback-hint-config-');
  const stateDir = path.join(home, 'state');
  const configFile = path.join(home, 'clawback.yaml');
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(configFile, `stateDir: ${stateDir}\nservices:\n  - name: my-gateway\n    command: [sleep, "1000"]\n`);
  return { stateDir, configFile, elsewhere: tempDir('clawback-hint-cwd-') };
}

/** The hint's words with its last one (run, or guardian --once) swapped for `validate`: which config would it load? */
async function configTheHintLoads(hint: string, drop: number, cwd: string): Promise<string> {
  const words = hint.split(' ');
  expect(words[0]).toBe('node');
  const r = await runCli([...words.slice(2, words.length - drop), 'validate'], { cwd, env: { CLAWBACK_CONFIG: '' } });
  return r.stdout + r.stderr;
}

describe('hints that start or revive the daemon', () => {
  it('a dead daemon: "start it with" runs the config it ran, from any directory', async () => {
    const { stateDir, configFile, elsewhere } = userSetup();
    const gone = spawnMarked(process.execPath, ['-e', '0']);
    procs.push(gone);
    await gone.waitForExit(10_000);
    await writeDaemonInfo(stateDir, { pid: gone.pid, startedAt: Date.now() - 60_000, version: '0.1.0', api: { host: '127.0.0.1', port: 9 }, heartbeatAt: Date.now() - 30_000, configPath: configFile, pidStartTime: null });
    const r = await runCli(['status', '--state-dir', stateDir], { cwd: elsewhere, env: { PATH: '/usr/bin:/bin', CLAWBACK_CONFIG: '' } });
    expect(r.code).toBe(3);
    const hint = /start it with: (.*)$/m.exec(r.stderr)![1]!;
    expect(hint).toContain(`--config ${configFile}`);
    expect(hint).toMatch(/ run$/);
    const loaded = await configTheHintLoads(hint, 1, elsewhere);
    expect(loaded).toContain(`${configFile}: valid (1 service(s): my-gateway)`);
    expect(loaded).not.toContain('embedded demo');
  });

  it('a hung daemon: "revive it with" (the guardian) names the config it ran', async () => {
    const { stateDir, configFile, elsewhere } = userSetup();
    const hung = spawnMarked(process.execPath, ['-e', 'setInterval(()=>{},1e6)']);
    procs.push(hung);
    await writeDaemonInfo(stateDir, { pid: hung.pid, startedAt: Date.now() - 60_000, version: '0.1.0', api: { host: '127.0.0.1', port: 9 }, heartbeatAt: Date.now() - 30_000, configPath: configFile, pidStartTime: processStartTime(hung.pid) ?? null });
    const r = await runCli(['status', '--state-dir', stateDir], { cwd: elsewhere, env: { PATH: '/usr/bin:/bin', CLAWBACK_CONFIG: '' } });
    expect(r.code).toBe(3);
    const hint = /revive it with: (.*)$/m.exec(r.stderr)![1]!;
    expect(hint).toContain(`--config ${configFile}`);
    expect(hint).toMatch(/ guardian --once$/);
    expect(await configTheHintLoads(hint, 2, elsewhere)).toContain(`${configFile}: valid`);
  });

  it('the embedded demo (no config file) gets no --config', async () => {
    const { stateDir, elsewhere } = userSetup();
    const gone = spawnMarked(process.execPath, ['-e', '0']);
    procs.push(gone);
    await gone.waitForExit(10_000);
    await writeDaemonInfo(stateDir, { pid: gone.pid, startedAt: Date.now() - 60_000, version: '0.1.0', api: { host: '127.0.0.1', port: 9 }, heartbeatAt: Date.now() - 30_000, configPath: '', pidStartTime: null });
    const r = await runCli(['status', '--state-dir', stateDir], { cwd: elsewhere, env: { PATH: '/usr/bin:/bin', CLAWBACK_CONFIG: '' } });
    const hint = /start it with: (.*)$/m.exec(r.stderr)![1]!;
    expect(hint).not.toContain('--config');
    expect(hint).toMatch(/--state-dir \S+ run$/);
  });
});
