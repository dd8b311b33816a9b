// The CLI answers at once and with the documented exit code: a stale or dead heartbeat, notify without channels,
// logs before any output; and its hints are commands that work when pasted.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/daemon.js';
import { killTree, spawnMarked, type MarkedChild } from '../helpers/processes.js';
import { writeDaemonInfo } from '../../src/daemon/heartbeat.js';
import { processStartTime } from '../../src/platform/proc.js';
import { cliHint, cliPrefix, shellWord, type InvocationEnv } from '../../src/cli/cli-command.js';
import { humanBytes } from '../../src/cli/format.js';
import { formatTtr, recoveryStart } from '../../src/observe/time-to-recover.js';
import { summarizeIncidents } from '../../src/observe/incidents.js';
import { formatMs as drillFormat } from '../../src/drill/drill-report.js';

let procs: MarkedChild[] = [];
afterEach(async () => {
  for (const p of procs) {
    killTree(p.ref, 'SIGCONT');
    p.kill();
  }
  await Promise.all(procs.map((p) => p.waitForExit(5000).catch(() => undefined)));
  procs = [];
});

/** A process that accepts connections on a port and never answers (a hung daemon), stopped with SIGSTOP. */
async function hungListener(): Promise<{ pid: number; port: number }> {
  const script = "const s=require('node:net').createServer(()=>{}).listen(0,'127.0.0.1',()=>console.log('port='+s.address().port));setInterval(()=>{},1e6)";
  const p = spawnMarked(process.execPath, ['-e', script]);
  procs.push(p);
  const out = await p.waitForStdout(/port=\d+/, 10_000);
  const port = Number(/port=(\d+)/.exec(out)![1]);
  process.kill(p.pid, 'SIGSTOP');
  return { pid: p.pid, port };
}

describe('clawback status from the heartbeat', () => {
  it('says at once that a daemon with a stale heartbeat is not responding (no 15 s request timeout)', async () => {
    const stateDir = tempDir('clawback-stale-');
    const hung = await hungListener();
    await writeDaemonInfo(stateDir, {
      pid: hung.pid,
      startedAt: Date.now() - 60_000,
      version: '0.1.0',
      api: { host: '127.0.0.1', port: hung.port },
      heartbeatAt: Date.now() - 20_000,
      configPath: '',
      pidStartTime: processStartTime(hung.pid) ?? null,
    });
    const t0 = performance.now();
    const r = await runCli(['status', '--state-dir', stateDir], { timeoutMs: 30_000 });
    const elapsed = performance.now() - t0;
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/not responding/);
    expect(r.stderr).toMatch(/last heartbeat was 2\d s ago/);
    expect(r.stderr).toMatch(/guardian --once/);
    // The answer itself takes 0.8 s; node's start-up on a loaded 2-core machine takes the rest. Today's main waits 15 s.
    expect(elapsed).toBeLessThan(6000);
  });

  it('says the daemon is not running when the pid in daemon.json is gone, without calling the API', async () => {
    const stateDir = tempDir('clawback-dead-');
    const gone = spawnMarked(process.execPath, ['-e', '0']);
    procs.push(gone);
    await gone.waitForExit(10_000);
    await writeDaemonInfo(stateDir, {
      pid: gone.pid,
      startedAt: Date.now() - 60_000,
      version: '0.1.0',
      api: { host: '127.0.0.1', port: 9 },
      heartbeatAt: Date.now() - 30_000,
      configPath: '',
      pidStartTime: null,
    });
    const r = await runCli(['status', '--json', '--state-dir', stateDir]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`its pid ${gone.pid} is gone`);
    expect(r.stderr).toMatch(/start it with: .*run/);
    // No status on stdout: only the --json error answer (README, "Commands").
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { kind: 'daemon-unreachable', exitCode: 3 } });
  });

  it('without daemon.json names the state directory and a start command that includes it', async () => {
    const stateDir = tempDir('clawback-none-');
    const r = await runCli(['status', '--state-dir', stateDir]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(stateDir);
    expect(r.stderr).toContain(`--state-dir ${stateDir} run`);
  });
});

describe('clawback guardian --once on a machine where no daemon ever ran', () => {
  it('starts nothing (no embedded demo left running) and says so', async () => {
    const home = tempDir('clawback-home-');
    const stateDir = path.join(home, '.clawback');
    const r = await runCli(['guardian', '--once'], { env: { HOME: home, CLAWBACK_STATE_DIR: stateDir }, cwd: home, timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { outcome: string; restartedVia?: string; actions: string[] };
    expect(report.outcome).toBe('never-ran');
    expect(report.restartedVia).toBeUndefined();
    expect(existsSync(path.join(stateDir, 'daemon.json'))).toBe(false);
    expect(existsSync(stateDir)).toBe(false);
  });
});

describe('exit codes as documented (0 ok, 1 error, 2 invalid config, 3 daemon not reachable, 4 unknown service)', () => {
  it('notify test with no channels is an error (1), not an invalid config; an invalid config is 2', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'clawback.yaml');
    writeFileSync(file, YAML.stringify({ services: [{ name: 'web', command: ['node', 'x.js'] }] }));
    const r = await runCli(['notify', 'test', '--config', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no notification channels configured');
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, YAML.stringify({ services: [{ name: 'web', command: 'not-an-array' }] }));
    const r2 = await runCli(['notify', 'test', '--config', bad]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain('services[0].command');
    expect(r2.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });

  it('notify test with every channel disabled is an error (1) that names them, not a silent success (0, no output)', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'clawback.yaml');
    const hook = (name: string) => ({ type: 'webhook', name, url: 'http://127.0.0.1:9/hook', enabled: false });
    writeFileSync(file, YAML.stringify({ services: [{ name: 'web', command: ['node', 'x.js'] }], notify: { channels: [hook('ops'), hook('pager')] } }));
    const r = await runCli(['notify', 'test', '--config', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('every notification channel is disabled');
    expect(r.stderr).toContain('ops, pager');
  });

  it('notify test with an unknown channel is an unknown name (4, as notify flush says it), not a failed send (1)', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'clawback.yaml');
    writeFileSync(file, YAML.stringify({ services: [{ name: 'web', command: ['node', 'x.js'] }], notify: { channels: [{ type: 'webhook', name: 'ops', url: 'http://127.0.0.1:9/hook' }] } }));
    const r = await runCli(['notify', 'test', 'opz', '--config', file]);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toContain('no notification channel named "opz" (configured: ops)');
    const j = await runCli(['notify', 'test', 'opz', '--json', '--config', file]);
    expect(j.code).toBe(4);
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: false, error: { kind: 'not-found', exitCode: 4 } });
  });

  it('an empty path among pidFiles, lockFiles or requiredDirs is invalid (2), named with its value', async () => {
    const dir = tempDir();
    for (const key of ['pidFiles', 'lockFiles', 'requiredDirs']) {
      const file = path.join(dir, `${key}.yaml`);
      writeFileSync(file, YAML.stringify({ services: [{ name: 'web', command: ['node', 'x.js'], [key]: ['/run/web.pid', ''] }] }));
      const r = await runCli(['validate', '--config', file]);
      expect(r.code, key).toBe(2);
      expect(r.stderr).toContain(`services[0].${key}[1]`);
      expect(r.stderr).toContain('(got "")');
    }
  });

  it('logs NAME of a configured service with no output yet exits 0; an unknown service exits 4', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'clawback.yaml');
    const stateDir = path.join(dir, 'state');
    mkdirSync(stateDir);
    writeFileSync(file, YAML.stringify({ services: [{ name: 'web', command: ['node', 'x.js'] }] }));
    const r = await runCli(['logs', 'web', '--config', file, '--state-dir', stateDir]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('no output from "web" yet');
    const r2 = await runCli(['logs', 'nope', '--config', file, '--state-dir', stateDir]);
    expect(r2.code).toBe(4);
    expect(r2.stderr).toContain('no service named "nope"');
  });

  it('logs NAME prints the output with its secrets redacted, as every other output; --raw prints it as written', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'clawback.yaml');
    const stateDir = path.join(dir, 'state');
    mkdirSync(path.join(stateDir, 'logs'), { recursive: true });
    const token = 'gw-token-5f2d9c1e7a3b';
    const openai = 'sk-proj-' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4';
    writeFileSync(file, YAML.stringify({ services: [{ name: 'web', command: ['node', 'x.js'], env: { GATEWAY_AUTH_TOKEN: token } }] }));
    writeFileSync(path.join(stateDir, 'logs', 'web.log'), `booting\nauth with ${token}\nkey ${openai} rejected\n`);
    const r = await runCli(['logs', 'web', '--config', file, '--state-dir', stateDir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('booting');
    expect(r.stdout).toContain('[REDACTED]');
    expect(r.stdout).not.toContain(token);
    expect(r.stdout).not.toContain(openai);
    const raw = await runCli(['logs', 'web', '--raw', '--config', file, '--state-dir', stateDir]);
    expect(raw.stdout).toContain(token);
    expect(raw.stdout).toContain(openai);
  });
});

describe('logs NAME -n N right after a rotation', () => {
  it('takes the last lines from the rotated generations when the live file holds fewer (or is not there yet)', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'clawback.yaml');
    const stateDir = path.join(dir, 'state');
    const logs = path.join(stateDir, 'logs');
    mkdirSync(logs, { recursive: true });
    writeFileSync(file, YAML.stringify({ services: [{ name: 'web', command: ['node', 'x.js'] }] }));
    writeFileSync(path.join(logs, 'web.log.2'), 'line 1\nline 2\n');
    writeFileSync(path.join(logs, 'web.log.1'), 'line 3\nline 4\n');
    // Rotated by a rename: no live file until the service writes again.
    const moved = await runCli(['logs', 'web', '-n', '3', '--config', file, '--state-dir', stateDir]);
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stdout).toBe('line 2\nline 3\nline 4\n');
    writeFileSync(path.join(logs, 'web.log'), 'line 5\n');
    const r = await runCli(['logs', 'web', '-n', '4', '--config', file, '--state-dir', stateDir]);
    expect(r.stdout).toBe('line 2\nline 3\nline 4\nline 5\n');
    const all = await runCli(['logs', 'web', '-n', '50', '--config', file, '--state-dir', stateDir]);
    expect(all.stdout).toBe('line 1\nline 2\nline 3\nline 4\nline 5\n');
    const one = await runCli(['logs', 'web', '-n', '1', '--config', file, '--state-dir', stateDir]);
    expect(one.stdout).toBe('line 5\n');
  });
});

describe('time to recover and sizes, printed the same everywhere', () => {
  it('keeps sub-second precision and switches units at sensible points', () => {
    expect(formatTtr(983)).toBe('983 ms');
    expect(formatTtr(999.7)).toBe('1.00 s');
    expect(formatTtr(9996)).toBe('10.0 s');
    expect(formatTtr(4321)).toBe('4.32 s');
    expect(formatTtr(14_312)).toBe('14.3 s');
    expect(formatTtr(113_000)).toBe('1m53s');
    expect(formatTtr(7_500_000)).toBe('2h05m');
  });

  it('the drill report prints times exactly as the CLI does', () => {
    for (const ms of [0, 983, 999.7, 4321, 9996, 14_312, 59_950, 113_000, 7_500_000]) expect(drillFormat(ms), `${ms} ms`).toBe(formatTtr(ms));
    expect(drillFormat(null)).toBe('-');
  });

  it('measures from the first failure signal when the daemon recorded one', () => {
    const opened = { type: 'incident.opened', time: 10_000, severity: 'warning', service: 'gw', incidentId: 'i1', level: 1, message: 'x', details: { reason: 'probe', firstSignalAt: 6_000 } } as const;
    expect(recoveryStart(opened)).toBe(6_000);
    expect(recoveryStart({ time: 10_000, details: { firstSignalAt: 12_000 } })).toBe(10_000);
    // The daemon measures ttrMs itself from firstSignalAt to the healthy verdict that held; the resolved event
    // may come later (after a repair, health must hold for doctor.confirmAfter first): its ttrMs wins.
    const resolved = { type: 'incident.resolved', time: 13_000, severity: 'resolved', service: 'gw', incidentId: 'i1', message: 'y', details: { ttrMs: 5000, highestLevel: 2 } } as const;
    const [inc] = summarizeIncidents([opened, resolved]);
    expect(inc!.ttrMs).toBe(5_000);
    // A journal line without ttrMs: from the first signal to the resolved event.
    const [bare] = summarizeIncidents([opened, { ...resolved, details: { highestLevel: 2 } }]);
    expect(bare!.ttrMs).toBe(7_000);
  });

  it('prints sizes in binary units, as the docs write them', () => {
    expect(humanBytes(256_000_000)).toBe('244 MiB');
    expect(humanBytes(256 * 1024 * 1024)).toBe('256 MiB');
    expect(humanBytes(1.5 * 1024 ** 3)).toBe('1.50 GiB');
    expect(humanBytes(2048)).toBe('2 KiB');
  });
});

describe('hints print commands that work as printed', () => {
  const env = (onPath: Record<string, string>): InvocationEnv => ({
    pathEnv: '/usr/local/bin:/usr/bin',
    entry: '/opt/clawback/dist/cli/main.js',
    execPath: '/usr/bin/node',
    resolveExecutable: (f) => onPath[f] ?? (f === '/opt/clawback/dist/cli/main.js' || f === '/usr/bin/node' ? f : undefined),
  });

  it('uses the bare name only when `clawback` on PATH is this install', () => {
    expect(cliPrefix(env({ '/usr/local/bin/clawback': '/opt/clawback/dist/cli/main.js', '/usr/bin/node': '/usr/bin/node' }))).toEqual(['clawback']);
    expect(cliPrefix(env({ '/usr/local/bin/clawback': '/elsewhere/main.js', '/usr/bin/node': '/usr/bin/node' }))).toEqual(['node', '/opt/clawback/dist/cli/main.js']);
    // npm links the package's bin (the CommonJS dist/cli/clawback.cjs): that is this install too.
    const withBin = { ...env({ '/usr/local/bin/clawback': '/opt/clawback/dist/cli/clawback.cjs', '/usr/bin/node': '/usr/bin/node' }), bin: '/opt/clawback/dist/cli/clawback.cjs' };
    expect(cliPrefix(withBin)).toEqual(['clawback']);
    expect(cliPrefix({ ...withBin, bin: '/other/dist/cli/clawback.cjs' })).toEqual(['node', '/opt/clawback/dist/cli/main.js']);
    // node not on PATH (say, nvm in another shell): the absolute node binary.
    expect(cliPrefix({ ...env({}), execPath: '/opt/node20/bin/node', resolveExecutable: (f) => (f.startsWith('/opt/') ? f : undefined) })).toEqual([
      '/opt/node20/bin/node',
      '/opt/clawback/dist/cli/main.js',
    ]);
  });

  it('adds --state-dir only when it is not the default, and quotes for the shell', () => {
    const e = env({ '/usr/local/bin/clawback': '/opt/clawback/dist/cli/main.js' });
    expect(cliHint(['status'], { env: e, stateDir: '/home/u/.clawback', defaultStateDir: '/home/u/.clawback', stateDirEnv: undefined })).toBe('clawback status');
    expect(cliHint(['resume', 'gw'], { env: e, stateDir: '/tmp/my state', defaultStateDir: '/home/u/.clawback', stateDirEnv: undefined })).toBe("clawback --state-dir '/tmp/my state' resume gw");
    expect(shellWord("it's")).toBe(`'it'\\''s'`);
  });

  it('the real CLI, run by path, prints a start hint that runs the same CLI', async () => {
    const stateDir = tempDir('clawback-hint-');
    const r = await runCli(['status', '--state-dir', stateDir], { env: { PATH: '/usr/bin:/bin' } });
    expect(r.code).toBe(3);
    const hint = /start it with: (.*)$/m.exec(r.stderr)![1]!;
    expect(hint).toMatch(/dist\/cli\/main\.js --state-dir \S+ run$/);
  });
});
