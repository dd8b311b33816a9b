// `clawback logs NAME -n 50` printed a line without a newline whole, up to the 16 MiB read bound: a 30 MiB line took the
// redaction down ("Maximum call stack size exceeded", nothing printed, exit 1), and a 1 MiB line filled the terminal.
// Each line shown is now at most LINE_MAX_CHARS (64 Ki characters), with how many bytes were left out.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/daemon.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setUp(log: string | Buffer): { args: string[] } {
  const dir = tempDir();
  dirs.push(dir);
  const file = path.join(dir, 'clawback.yaml');
  mkdirSync(path.join(dir, 'state', 'logs'), { recursive: true });
  writeFileSync(file, YAML.stringify({ services: [{ name: 'web', command: ['node', 'x.js'] }] }));
  writeFileSync(path.join(dir, 'state', 'logs', 'web.log'), log);
  return { args: ['--config', file, '--state-dir', path.join(dir, 'state')] };
}

describe('logs NAME with a very long line', () => {
  it('shows the start of a 20 MiB line without a newline and says how much it left out', async () => {
    const { args } = setUp(Buffer.concat([Buffer.from('first line\n'), Buffer.alloc(20 * 1024 * 1024, 'a')]));
    const r = await runCli(['logs', 'web', '-n', '50', ...args], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.length).toBeLessThan(70_000);
    expect(r.stdout).toMatch(/^a{65536} \[clawback: at least \d+ more bytes of this line not shown\]\n$/);
  }, 90_000);

  it('cuts a 1 MiB line between whole lines, at a space, and counts the bytes left out', async () => {
    const long = 'word '.repeat(200_000); // 1 000 000 bytes
    const { args } = setUp(`before\n${long}\nafter\n`);
    for (const extra of [[], ['--raw'], ['--json']]) {
      const r = await runCli(['logs', 'web', '-n', '3', ...extra, ...args], { timeoutMs: 60_000 });
      expect(r.code, r.stderr).toBe(0);
      const lines = extra[0] === '--json' ? r.stdout.trimEnd().split('\n').map((l) => (JSON.parse(l) as { line: string }).line) : r.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(3);
      expect(lines[0]).toBe('before');
      expect(lines[2]).toBe('after');
      const m = /^((?:word )+)\[clawback: (\d+) more bytes of this line not shown\]$/.exec(lines[1]!);
      expect(m, lines[1]!.slice(-100)).not.toBeNull();
      expect(m![1]!.length).toBeLessThanOrEqual(65_536);
      expect(m![1]!.length + Number(m![2])).toBe(long.length);
    }
  }, 90_000);
});
