// `clawback logs NAME -f` and the crash summary's last words still took a log that is there but may not be opened (a
// link loop, mode 000 as another uid) for a missing one: -f waited in silence for ever, the exit quoted no last words.
// One rule with `clawback logs` (platform/log-refusal.ts): only a missing log is "no output"; any other refusal is named.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { CLI } from '../helpers/cli.js';
import { tempDir } from '../helpers/daemon.js';
import { LogFollower } from '../../src/cli/log-follow.js';
import { lastLogLines } from '../../src/observe/last-log-lines.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function logDir(): string {
  const dir = tempDir();
  dirs.push(dir);
  mkdirSync(path.join(dir, 'state', 'logs'), { recursive: true });
  return dir;
}

const plain = { redact: (t: string): string => t };

describe('a service log there but not readable, read by logs -f and the last words', () => {
  it('the crash summary names a link loop in the log\'s place; a missing log is still no lines', async () => {
    const log = path.join(logDir(), 'state', 'logs', 'web.log');
    expect(await lastLogLines(log, 20, plain)).toEqual([]);
    symlinkSync(log, log);
    expect(await lastLogLines(log, 20, plain)).toEqual([`[clawback: cannot read ${log}: too many symbolic links (ELOOP): it is there, but the daemon may not open it: its last lines are not known]`]);
    unlinkSync(log);
    writeFileSync(log, 'one\ntwo\n');
    expect(await lastLogLines(log, 20, plain)).toEqual(['one', 'two']);
  });

  it('the follower says it once, and goes on when the file can be read', () => {
    const log = path.join(logDir(), 'state', 'logs', 'web.log');
    const notices: string[] = [];
    const out: string[] = [];
    const f = new LogFollower({ file: log, offset: 0, seen: Buffer.alloc(0), generations: 3, maxBytes: 1 << 20, out: (b) => out.push(b.toString()), onBreak: () => undefined, notice: (t) => notices.push(t) });
    f.pump();
    expect(notices).toEqual([]);
    symlinkSync(log, log);
    f.pump();
    f.pump();
    expect(notices).toEqual([`cannot read ${log}: too many symbolic links (ELOOP): it is there, but this command may not open it; waiting until it can be read`]);
    unlinkSync(log);
    writeFileSync(log, 'hello\n');
    f.pump();
    expect(out.join('')).toBe('hello\n');
    expect(notices).toHaveLength(1);
  });

  it('`clawback logs web -f` says so when a link loop takes the missing log\'s place', async () => {
    const dir = logDir();
    const config = path.join(dir, 'clawback.yaml');
    writeFileSync(config, YAML.stringify({ services: [{ name: 'web', command: ['node', 'x.js'] }] }));
    const log = path.join(dir, 'state', 'logs', 'web.log');
    const child = spawn(process.execPath, [CLI, 'logs', 'web', '-f', '--config', config, '--state-dir', path.join(dir, 'state')], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: dir } });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    try {
      const waitFor = async (text: string, ms: number): Promise<boolean> => {
        for (const end = Date.now() + ms; Date.now() < end; ) {
          if (stderr.includes(text)) return true;
          await new Promise((r) => setTimeout(r, 50));
        }
        return stderr.includes(text);
      };
      expect(await waitFor('does not exist', 8_000)).toBe(true);
      symlinkSync(log, log);
      expect(await waitFor(`cannot read ${log}: too many symbolic links (ELOOP)`, 5_000), stderr).toBe(true);
    } finally {
      child.kill('SIGTERM');
    }
  }, 30_000);
});
