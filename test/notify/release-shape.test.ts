// `clawback notify release ops` answered "N kept alert(s) of ops released" and the new webhook got far fewer posts: in
// incident mode the steps of one incident only extend its timeline. The answer now says how many go as posts.
import { afterEach, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startTestDaemon, FIXTURES, NODE, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { runCli } from '../helpers/cli.js';
import { Receiver } from './receiver.js';

let td: TestDaemon | undefined;
const receivers: Receiver[] = [];
afterEach(async () => {
  await td?.stop();
  td = undefined;
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

describe('notify release says what the released alerts become', () => {
  it('counts posts against alerts, and the new destination gets exactly that many posts', async () => {
    const oldUrl = await Receiver.start();
    const newUrl = await Receiver.start();
    receivers.push(oldUrl, newUrl);
    await oldUrl.down();
    td = await startTestDaemon({
      notify: { channels: [{ type: 'webhook', name: 'ops', url: `${oldUrl.base}/webhook/old` }], backoff: { initial: 50, max: 200 } },
      services: [
        {
          name: 'crashy',
          command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '1', '100'],
          restart: { intensity: { maxRestarts: 2, window: '1m' }, backoff: { initial: '10ms', max: '20ms', jitter: 0 } },
        },
      ],
    });
    const box = path.join(td.stateDir, 'outbox', 'ops');
    const spooled = (): string[] => {
      try {
        return readdirSync(box).filter((f) => /^\d+\.json$/.test(f));
      } catch {
        return [];
      }
    };
    // The crash loop ends at the breaker: an incident of several steps, all queued for the old URL.
    await waitFor(() => td!.events.some((e) => e.type === 'incident.escalated'), { timeoutMs: 30_000, message: 'the breaker escalation' });
    let last = -1;
    let since = Date.now();
    await waitFor(
      () => {
        const n = spooled().length;
        if (n !== last) [last, since] = [n, Date.now()];
        return n > 2 && Date.now() - since > 1000;
      },
      { timeoutMs: 20_000, message: 'the spool settled' },
    );

    const old = new Set(spooled());
    writeFileSync(td.configFile, readFileSync(td.configFile, 'utf8').replace(`${oldUrl.base}/webhook/old`, `${newUrl.base}/webhook/new`));
    const reloadedAt = Date.now();
    const reloaded = await runCli(['reload', '--config', td.configFile, '--state-dir', td.stateDir]);
    expect(reloaded.code, reloaded.stderr).toBe(0);

    const r = await runCli(['notify', 'release', 'ops', '--json', '--state-dir', td.stateDir]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const answer = JSON.parse(r.stdout) as { message: string; count: number; posts: number; folded: number };
    expect(answer.count).toBe(old.size);
    await waitFor(() => spooled().every((f) => !old.has(f)), { timeoutMs: 15_000, message: 'the released alerts delivered' });
    const released = newUrl.posts('webhook').filter((m) => (m.json as { time: number }).time < reloadedAt);
    // What the user saw: "5 kept alert(s) released", 2 posts. Now the answer names the posts it makes.
    expect(answer.count).toBeGreaterThan(released.length);
    expect(answer.posts, answer.message).toBe(released.length);
    expect(answer.folded).toBe(answer.count - answer.posts);
    expect(answer.message).toContain(`${answer.count} kept alert(s) of ops released to its current destination: they go as ${answer.posts} new post(s)`);
    expect(answer.message).toContain(`${answer.folded} step(s) only added to an incident's timeline, not posted on their own`);
  }, 90_000);
});
