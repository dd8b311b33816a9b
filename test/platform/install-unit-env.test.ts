// What `clawback install` leaves for the OS to run: the daemon the installed guardian line starts finds the commands the
// installing shell found (PATH carried, not only the system directories), and a config the daemon could not load is
// refused before a working install is replaced.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, tempDir } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';
import { isRunning, pidRef, signalProcess, waitFor } from '../helpers/processes.js';
import { hasSystemdRuntime } from '../../src/platform/installer.js';

const cleanup: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

/** A home, a fake `crontab` (`-l` prints the table or "no crontab", `-` replaces it) and the PATH that finds it. */
function setup(): { dir: string; home: string; table: string; env: Record<string, string> } {
  const dir = tempDir('clawback-install-env-');
  const home = path.join(dir, 'home');
  const bin = path.join(dir, 'bin');
  mkdirSync(home);
  mkdirSync(bin);
  const table = path.join(dir, 'crontab.txt');
  writeFileSync(
    path.join(bin, 'crontab'),
    `#!/bin/sh\nF='${table}'\nif [ "$1" = "-l" ]; then [ -f "$F" ] && exec cat "$F"; echo "no crontab for test" >&2; exit 1; fi\nif [ "$1" = "-" ]; then cat > "$F"; exit 0; fi\nexit 2\n`,
  );
  chmodSync(path.join(bin, 'crontab'), 0o755);
  return { dir, home, table, env: { HOME: home, PATH: `${bin}:${process.env.PATH ?? ''}` } };
}

/** Runs the guardian's crontab line as cron does: /bin/sh -c, an environment without the user's profile (no PATH). */
function runCronLine(table: string, home: string): Promise<number | null> {
  const line = readFileSync(table, 'utf8').trim().split('\n').pop()!;
  const command = line.replace(/^(\S+\s+){5}/, '');
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { env: { HOME: home, CLAWBACK_TEST_CHILD: '1' }, stdio: 'ignore' });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('the guardian line did not finish in 40 s'));
    }, 40_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** Runs the installed guardian line once; the daemon it revived is stopped after the test. Its report. */
async function runGuardianLine(table: string, home: string, stateDir: string): Promise<{ outcome: string; after?: { pid: number } }> {
  expect(await runCronLine(table, home)).toBe(0);
  const report = JSON.parse(readFileSync(path.join(stateDir, 'logs', 'guardian.log'), 'utf8')) as { outcome: string; after?: { pid: number } };
  const revived = report.after?.pid ? pidRef(report.after.pid) : undefined;
  if (revived) {
    cleanup.push(async () => {
      if (!signalProcess(revived, 'SIGINT')) return;
      await waitFor(() => !isRunning(revived) || undefined, { timeoutMs: 20_000, intervalMs: 100 }).catch(() => signalProcess(revived, 'SIGKILL'));
    });
  }
  return report;
}

// Only the cron path: where systemd runs, install would enable real user units.
describe.skipIf(process.platform === 'darwin' || hasSystemdRuntime())('install (cron): what the installed guardian line runs', () => {
  it('starts a service whose command is found only on the installing shell PATH (~/.local/bin)', async () => {
    const { dir, home, table, env } = setup();
    const userBin = path.join(home, '.local', 'bin');
    mkdirSync(userBin, { recursive: true });
    writeFileSync(path.join(userBin, 'mysvc'), `#!/bin/sh\nexec '${NODE}' '${path.join(FIXTURES, 'sleeper.mjs')}'\n`);
    chmodSync(path.join(userBin, 'mysvc'), 0o755);
    const configPath = path.join(dir, 'clawback.yaml');
    writeFileSync(configPath, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'my', command: ['mysvc'] }] })));
    const stateDir = path.join(dir, 'state');

    const install = await runCli(['install', '--config', configPath, '--state-dir', stateDir], { env: { ...env, PATH: `${userBin}:${env.PATH}` } });
    expect(install.code, install.stderr).toBe(0);

    const report = await runGuardianLine(table, home, stateDir);
    expect(report.outcome).toBe('revived');
    const journal = path.join(stateDir, 'journal.jsonl');
    const events = await waitFor(
      () => {
        const lines = existsSync(journal) ? readFileSync(journal, 'utf8').trim().split('\n').filter(Boolean) : [];
        const parsed = lines.map((l) => JSON.parse(l) as { type: string; service?: string; message: string });
        return parsed.some((e) => e.service === 'my' && (e.type === 'service.started' || e.type === 'breaker.tripped')) ? parsed : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    const mine = events.filter((e) => e.service === 'my');
    expect(mine.map((e) => e.message).join('\n')).not.toMatch(/not found|not on PATH/);
    expect(mine.map((e) => e.type)).toContain('service.started');
  }, 90_000);

  it('names (never shows) the variables the config reads from this shell that the installed daemon will not have', async () => {
    const { dir, home, table, env } = setup();
    const configPath = path.join(dir, 'clawback.yaml');
    const secret = 'sk-install-env-secret-1234567890';
    const services = [
      { name: 'needs', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')], requiredEnv: ['MY_SERVICE_TOKEN', 'GIVEN_IN_CONFIG'], env: { GIVEN_IN_CONFIG: 'x' } },
      { name: 'agent', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')], emergency: { adapter: 'openai', apiKeyEnv: 'MY_AGENT_KEY', passEnv: ['MY_PASSED'] } },
    ];
    writeFileSync(configPath, YAML.stringify(markServices({ api: { port: 0 }, services })));
    const stateDir = path.join(dir, 'state');
    const install = await runCli(['install', '--config', configPath, '--state-dir', stateDir], { env: { ...env, MY_SERVICE_TOKEN: secret, MY_AGENT_KEY: secret } });
    expect(install.code, install.stderr).toBe(0);
    const notes = install.stdout.split('\n').filter((l) => l.startsWith('note: '));
    expect(notes.find((n) => n.includes('MY_SERVICE_TOKEN'))).toMatch(/services\[0\]\.requiredEnv \(needs\)\) is set in this shell but will not be in the installed daemon's environment: set it in that service's `env:`/);
    expect(notes.find((n) => n.includes('MY_AGENT_KEY'))).toMatch(/services\[1\]\.emergency\.apiKeyEnv\) is set in this shell but will not be .*crontab/);
    expect(notes.find((n) => n.includes('MY_PASSED'))).toMatch(/is not set in this shell, nor in the installed daemon's environment/);
    // A variable the service's env: gives is no gap; values never reach the output.
    expect(install.stdout).not.toContain('GIVEN_IN_CONFIG');
    expect(install.stdout + install.stderr).not.toContain(secret);

    // The note is true: the daemon the guardian line starts (cron's environment) does not have it.
    await runGuardianLine(table, home, stateDir);
    const journal = path.join(stateDir, 'journal.jsonl');
    await waitFor(() => existsSync(journal) && readFileSync(journal, 'utf8').includes('environment variable MY_SERVICE_TOKEN is missing'), {
      timeoutMs: 20_000,
      intervalMs: 100,
      message: () => `the daemon's preflight to miss MY_SERVICE_TOKEN: ${existsSync(journal) ? readFileSync(journal, 'utf8').slice(-2000) : 'no journal'}`,
    });
  }, 90_000);

  it('refuses a config the daemon could not load (missing, or a key in error) and leaves the working install as it was', async () => {
    const { dir, table, env } = setup();
    const configPath = path.join(dir, 'clawback.yaml');
    writeFileSync(configPath, YAML.stringify(markServices({ api: { port: 0 }, services: [{ name: 'sl', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] })));
    const first = await runCli(['install', '--config', configPath, '--state-dir', path.join(dir, 'state')], { env });
    expect(first.code, first.stderr).toBe(0);
    const working = readFileSync(table, 'utf8');
    expect(working).toContain(configPath);

    const typo = path.join(dir, 'clawbak.yaml');
    const missing = await runCli(['install', '--config', typo, '--state-dir', path.join(dir, 'state2')], { env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/install refused, nothing changed/);
    expect(missing.stderr).toMatch(/ENOENT/);
    expect(readFileSync(table, 'utf8')).toBe(working);
    expect(existsSync(path.join(dir, 'state2'))).toBe(false);

    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'services:\n  - name: x\n    comand: [a]\n');
    const invalid = await runCli(['install', '--config', bad, '--state-dir', path.join(dir, 'state3')], { env });
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/services\[0\]: unknown key\(s\) "comand"/);
    expect(readFileSync(table, 'utf8')).toBe(working);

    // Uninstall needs no loadable config: it only removes what install added.
    const un = await runCli(['uninstall', '--config', typo, '--state-dir', path.join(dir, 'state')], { env });
    expect(un.code, un.stderr).toBe(0);
    expect(readFileSync(table, 'utf8')).not.toContain('guardian --once');
  }, 60_000);
});
