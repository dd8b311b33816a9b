// `clawback restart web | head -0`: the daemon restarted the service, then the command died on EPIPE with a stack trace
// and exit 1, which a script reads as "the restart failed". It now ends with its own code (0).
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { CLI } from '../helpers/cli.js';
import { FIXTURES, NODE, startTestDaemon } from '../helpers/daemon.js';
import { PROCESS_START_MS } from '../helpers/processes.js';

/** Runs the CLI with its stdout a pipe already closed by the reader (as `| head -0` or `| true` does). */
function runWithClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, CLAWBACK_TEST_CHILD: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`clawback ${args.join(' ')} did not end\n${stderr}`));
    }, 2 * PROCESS_START_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('a command that changes things, its output closed', () => {
  it('restart with a closed stdout: the restart happens, exit 0, no EPIPE stack', async () => {
    const td = await startTestDaemon({ services: [{ name: 'web', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] });
    try {
      const before = td.daemon.runtimes.get('web')!.status().restarts;
      const r = await runWithClosedStdout(['restart', 'web', '--state-dir', td.stateDir, '--config', td.configFile]);
      expect(r.stderr).not.toContain('EPIPE');
      expect(r.code, r.stderr).toBe(0);
      expect(td.daemon.runtimes.get('web')!.status().restarts).toBe(before + 1);
    } finally {
      await td.stop();
    }
  }, 60_000);
});
