// A guardian run as another user than the daemon (root's crontab for a user's daemon, another account's timer) could
// not read the 0700 state dir and said "daemon was stopped on purpose; nothing to do" with exit 0 on every pass: a
// dead daemon was never revived and nothing said why. It now names the directory, its owner and its own uid, exit 1.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { chmodSync, statSync } from 'node:fs';
import path from 'node:path';
import { NODE, FIXTURES, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { CLI } from '../helpers/cli.js';

const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

function asNobody(args: string[], home: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const argv = ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, CLI, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: home, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: home, XDG_RUNTIME_DIR: '', CLAWBACK_CONFIG: '', CLAWBACK_TEST_CHILD: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('a guardian run as another user than the daemon', () => {
  it.skipIf(!asRoot)('says it cannot read the state dir (exit 1), never "stopped on purpose"', async () => {
    td = await startTestDaemon({ services: [{ name: 'svc', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] });
    chmodSync(td.stateDir, 0o700);
    expect(statSync(td.stateDir).uid).toBe(0);
    const home = tempDir('clawback-guardian-other-home-');
    chmodSync(home, 0o777);
    const json = await asNobody(['guardian', '--once', '--json', '--state-dir', td.stateDir], home);
    expect(json.stdout).not.toMatch(/stopped on purpose/);
    expect(json.code).toBe(1);
    const answer = JSON.parse(json.stdout) as { ok: boolean; error: { kind: string; message: string } };
    expect(answer.ok).toBe(false);
    expect(answer.error.kind).toBe('system');
    // Its owner is named where the guardian can stat it (here the test's temp dir above it is private too).
    expect(answer.error.message).toMatch(new RegExp(`cannot read the state directory ${td.stateDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(EACCES.*\\): nothing checked, nothing started`));
    const plain = await asNobody(['guardian', '--once', '--state-dir', td.stateDir], home);
    expect(plain.code).toBe(1);
    expect(plain.stdout).toBe('');
    expect(plain.stderr).toMatch(/clawback: guardian: cannot read the state directory .*run the guardian as the daemon's user/);
  }, 120_000);
});
