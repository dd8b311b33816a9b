// A channel's name keys the status maps (`deadLetters.webhook`): the default name of a webhook channel is a secret word.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { Receiver } from './receiver.js';

const HOOK_SECRET = 'named-webhook-secret-0123456789';

describe('a channel named like a secret setting', () => {
  let t: TestDaemon | undefined;
  let r: Receiver | undefined;
  afterEach(async () => {
    await t?.stop();
    await r?.close();
    t = undefined;
    r = undefined;
  });

  it('has its dead letters counted in `status --json` and `notify flush`, its URL still redacted', async () => {
    r = await Receiver.start();
    r.refuseWhere(() => true, 400);
    t = await startTestDaemon({
      notify: {
        channels: [
          { type: 'webhook', name: 'webhook', mode: 'every-event', url: `${r.base}/webhook/${HOOK_SECRET}` },
          { type: 'webhook', name: 'team-token', mode: 'every-event', url: `${r.base}/webhook/other-${HOOK_SECRET}` },
        ],
        backoff: { initial: 50, max: 200 },
      },
      services: [{ name: 'sl', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }],
    });
    const daemon = t.daemon;
    const dead = (): Record<string, number> => (daemon.status() as unknown as { notify: { deadLetters: Record<string, number> } }).notify.deadLetters;
    await waitFor(() => (dead()['webhook'] ?? 0) > 0 && (dead()['team-token'] ?? 0) > 0, { timeoutMs: 15_000 });

    const cli = await runCli(['status', '--json', '--state-dir', t.stateDir]);
    const status = JSON.parse(cli.stdout) as { notify: { deadLetters: Record<string, unknown> } };
    // Before the fix: {"webhook": "[REDACTED]", "team-token": "[REDACTED]"}, and the dashboard (n > 0) listed neither.
    expect(typeof status.notify.deadLetters['webhook']).toBe('number');
    expect(status.notify.deadLetters['webhook']).toBeGreaterThan(0);
    expect(typeof status.notify.deadLetters['team-token']).toBe('number');
    expect(cli.stdout).not.toContain(HOOK_SECRET);

    const flush = await runCli(['notify', 'flush', '--json', '--state-dir', t.stateDir]);
    const answer = JSON.parse(flush.stdout) as { deadLetters?: Record<string, unknown> };
    expect(typeof answer.deadLetters?.['webhook']).toBe('number');
    expect(flush.stdout + flush.stderr).not.toContain(HOOK_SECRET);
  }, 40_000);
});
