// A FIFO in the config's place (no writer): `clawback run --config F` and `clawback status --config F` blocked for ever
// in the CLI's early read of the file's stateDir line (open() waits for a writer; Ctrl-C and SIGTERM were unheard, only
// SIGKILL ended them). They now answer at once: status names the FIFO (exit 2), run gets the loader's refusal (exit 78).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-config-fifo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(process.platform === 'win32')('a config that is a FIFO with no writer', () => {
  it('status and run answer instead of hanging in the early stateDir read', async () => {
    const fifo = path.join(dir, 'clawback.yaml');
    execFileSync('mkfifo', [fifo]);
    const env = { HOME: dir, CLAWBACK_STATE_DIR: '', CLAWBACK_CONFIG: '' };
    // Generous bound: before the fix neither ever returned.
    const status = await runCli(['status', '--config', fifo], { env, cwd: dir, timeoutMs: 60_000 });
    expect(status.code, status.stderr).toBe(2);
    expect(status.stderr).toContain(`${fifo} is a FIFO, not a regular file`);
    const run = await runCli(['run', '--config', fifo], { env, cwd: dir, timeoutMs: 60_000 });
    expect(run.code, run.stderr).toBe(78);
    expect(run.stderr).toContain('is a FIFO with nothing written to it');
  }, 150_000);
});
