// `clawback logs NAME` reads the end of a log, never all of it: a flood can take a live log past 500 MB between rotations.
import { describe, expect, it } from 'vitest';
import { appendFileSync, closeSync, ftruncateSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/daemon.js';

describe('logs NAME on a very large log', () => {
  it('prints its last lines (it said the file did not exist, after reading 600 MB into memory)', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'clawback.yaml');
    const logs = path.join(dir, 'state', 'logs');
    mkdirSync(logs, { recursive: true });
    writeFileSync(file, YAML.stringify({ services: [{ name: 'web', command: ['node', 'x.js'] }] }));
    // 600 MB without a newline (sparse: no disk used), then the lines the service wrote last.
    const log = path.join(logs, 'web.log');
    const fd = openSync(log, 'w');
    ftruncateSync(fd, 600 * 1024 * 1024);
    closeSync(fd);
    appendFileSync(log, '\nline 1\nline 2\nline 3\n');
    const r = await runCli(['logs', 'web', '-n', '2', '--config', file, '--state-dir', path.join(dir, 'state')], { timeoutMs: 60_000 });
    expect(r.stderr).not.toContain('does not exist');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('line 2\nline 3\n');
  }, 90_000);
});
