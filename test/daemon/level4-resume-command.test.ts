// Level 4 tells a person the command that resumes the service: with the daemon's own state directory, pasted as is it
// reaches this daemon (a bare `clawback resume NAME` addressed ~/.clawback and answered "daemon is not running").
import { afterEach, describe, expect, it } from 'vitest';
import { NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { runCli } from '../helpers/cli.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('the Level 4 alert names the exact resume command', () => {
  it('names the state directory, and running it resumes the service', async () => {
    td = await startTestDaemon({
      services: [
        {
          name: 'crashy',
          command: [NODE, '-e', 'process.exit(3)'],
          restart: { backoff: { initial: '50ms', max: '100ms' }, intensity: { maxRestarts: 2, window: '1m' } },
          doctor: { attempts: 0 },
        },
      ],
    });
    const t = td;
    const esc = await waitFor(() => t.events.find((e) => e.type === 'incident.escalated'), { timeoutMs: 30_000 });
    const command = /Run `([^`]+)` when fixed/.exec(esc.message)?.[1];
    expect(command).toBeDefined();
    expect(command).toContain(`--state-dir ${t.stateDir} resume crashy`);
    // The words after the entry point, run by this install's CLI from an unrelated home and directory.
    const words = command!.split(' ');
    const args = words.slice(words.findIndex((w) => w.endsWith('main.js')) + 1);
    const home = tempDir('clawback-home-');
    const r = await runCli(args, { env: { HOME: home, CLAWBACK_STATE_DIR: '', CLAWBACK_CONFIG: '' }, cwd: home, timeoutMs: 20_000 });
    expect(r.stderr).not.toMatch(/not running/);
    expect(r.code).toBe(0);
    await waitFor(() => t.events.find((e) => e.type === 'breaker.resumed'), { timeoutMs: 15_000 });
  }, 60_000);
});
