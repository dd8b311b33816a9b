// A config that is there but cannot be read is not "missing": named with its error, and no restore is offered over it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI } from '../helpers/cli.js';

const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;
let dir: string;

beforeEach(async () => {
  dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'clawback-unreadable-')));
  await fs.chmod(dir, 0o777);
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** `clawback doctor` as a user who cannot read the config (root reads anything: run as nobody through setpriv). */
function doctorAsOther(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const argv = asRoot
    ? ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, CLI, ...args]
    : [process.execPath, CLI, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
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

describe('a config file that exists but cannot be read', () => {
  it('is reported as unreadable with its errno, not fixable, and --fix writes nothing over it', async () => {
    const configPath = path.join(dir, 'app.json');
    const backup = `${configPath}.bak`;
    const bytes = '{"port":18789}\n';
    await fs.writeFile(configPath, bytes);
    await fs.writeFile(backup, bytes, { mode: 0o644 });
    // Writable but not readable by the daemon's user: nothing blocks a write, so only the judgement keeps a restore off.
    if (asRoot) await fs.chown(configPath, NOBODY, NOBODY);
    await fs.chmod(configPath, 0o200);
    const yaml = path.join(dir, 'clawback.yaml');
    await fs.writeFile(
      yaml,
      [
        'services:',
        '  - name: web',
        `    command: [${JSON.stringify(process.execPath)}, "-e", "setInterval(() => {}, 1000)"]`,
        '    configFile:',
        `      path: ${JSON.stringify(configPath)}`,
        `      backupGlobs: [${JSON.stringify(backup)}]`,
        '',
      ].join('\n'),
      { mode: 0o644 },
    );
    const stateDir = path.join(dir, 'state');
    const before = await fs.stat(configPath);

    const look = await doctorAsOther(['doctor', 'web', '--config', yaml, '--state-dir', stateDir]);
    expect(look.stdout).toContain('config file cannot be read: EACCES');
    expect(look.stdout).not.toContain('config file missing');
    expect(look.stdout).not.toMatch(/restore the best-trusted/);
    expect(look.code).toBe(2);

    const fix = await doctorAsOther(['doctor', 'web', '--fix', '--config', yaml, '--state-dir', stateDir]);
    expect(fix.code).toBe(2);
    const after = await fs.stat(configPath);
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(await fs.readFile(configPath, 'utf8')).toBe(bytes);
    expect((await fs.readdir(dir)).filter((f) => f.startsWith('app.json') && f !== 'app.json' && f !== 'app.json.bak')).toEqual([]);
  }, 120_000);
});
