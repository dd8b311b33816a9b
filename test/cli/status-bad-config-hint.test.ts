// `clawback status -c bad.yaml` with no daemon running and a config with an error: the hint was "start it with:
// clawback --config bad.yaml run", which exits 78 when pasted. It now says what is wrong with the file and a command
// that works when pasted (validate, listing every problem) before the `run` for once it is fixed.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/daemon.js';

describe('status with a config that does not load and no daemon', () => {
  it('names the problem and a validate command that works, not only a `run` that exits 78', async () => {
    const dir = tempDir('clawback-bad-hint-');
    const config = path.join(dir, 'bad config é.yaml');
    writeFileSync(config, 'stateDir: ./state\napi:\n  port: 0\nservices:\n  - name: web\n    command: node\n');
    const r = await runCli(['status', '--json', '-c', config], { cwd: dir, timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(3);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const message = (JSON.parse(lines[0]!) as { error: { message: string } }).error.message;
    expect(message).toMatch(/not running/);
    expect(message).toContain('services[0].command: expected array');
    const hint = /see every problem with: (.+?)\), then start it with: (.+)$/.exec(message);
    expect(hint, message).not.toBeNull();
    // The pasted command works (from another directory too) and lists the problem.
    const pasted = spawnSync('sh', ['-c', hint![1]!], { cwd: '/', encoding: 'utf8', timeout: 20_000, env: { ...process.env, CLAWBACK_TEST_CHILD: '1' } });
    expect(pasted.status, pasted.stderr).toBe(2);
    expect(pasted.stderr).toContain('services[0].command');
    expect(hint![2]).toMatch(/ run$/);
    expect(hint![2]).toContain(`'${config}'`);
  }, 60_000);
});
