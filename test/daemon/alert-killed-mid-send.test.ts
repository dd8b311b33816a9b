// The daemon SIGKILLed while a webhook request was out with no answer: on the next start the same alert (same `id`) went
// out again and nothing said the receiver might have it already. It is sent again (never lost), flagged
// `possibleDuplicate: true` in the body, with a note in its text and a line in the daemon log; the other alerts are not.
import { afterEach, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { markServices, NODE, tempDir } from '../helpers/daemon.js';
import { CLI } from '../helpers/cli.js';
import { killTree, pidRef, processesSupervisedBy, spawnMarked } from '../helpers/processes.js';
import { Receiver } from '../notify/receiver.js';
import { POSSIBLE_DUPLICATE_NOTE } from '../../src/notify/format.js';
import { DEAD_DIR, ENTRY_FILE_RE } from '../../src/notify/outbox-layout.js';

const cleanup: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

interface Body {
  id?: string;
  type: string;
  title: string;
  possibleDuplicate?: boolean;
}

describe('an alert in flight when the daemon is SIGKILLed', () => {
  it('is sent again on the next start, marked as a possible repeat (body flag, text note, log line); the others are not', async () => {
    const dir = tempDir('clawback-killed-mid-send-');
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const stateDir = path.join(dir, 'state');
    // A failed run SIGKILLs the daemon: its service would outlive it.
    cleanup.push(() => {
      for (const pid of processesSupervisedBy(stateDir)) killTree(pidRef(pid));
    });
    const configPath = path.join(dir, 'clawback.yaml');
    const receiver = await Receiver.start();
    cleanup.push(() => receiver.close());
    writeFileSync(
      configPath,
      YAML.stringify(
        markServices({
          api: { port: 0 },
          notify: { timeout: '60s', channels: [{ type: 'webhook', name: 'hook', url: `${receiver.base}/webhook/a` }, { type: 'slack', name: 'chat', url: `${receiver.base}/slack/T/B/x` }] },
          services: [{ name: 'idle', command: [NODE, '-e', 'setInterval(() => {}, 1e9)'] }],
        }),
      ),
    );
    const start = (): ReturnType<typeof spawnMarked> => {
      const d = spawnMarked(process.execPath, [CLI, 'run', '--config', configPath, '--state-dir', stateDir], { env: { HOME: path.join(dir, 'home') } });
      cleanup.push(() => d.kill());
      return d;
    };
    // Every request hangs: the first alert of each channel is out with no answer when the daemon dies.
    receiver.script(1_000, 200, { hang: true });
    const first = start();
    await first.waitForStdout('dashboard:', 60_000);
    await receiver.waitFor(() => receiver['requests'].filter((r: { path: string }) => r.path.startsWith('/webhook') || r.path.startsWith('/slack')).length >= 2, 20_000, 'both requests in flight');
    // The mark is written once a request has been out SENDING_MARK_AFTER_MS: kill only once both files carry it.
    await receiver.waitFor(() => sendingMarks(stateDir) >= 2, 20_000, 'both alerts marked as being sent');
    first.signal('SIGKILL');
    await first.waitForExit(20_000);
    receiver.clearScript();

    const second = start();
    await second.waitForStdout('dashboard:', 60_000);
    await receiver.waitFor(() => receiver.of('webhook').some((m) => (m.json as Body).type === 'daemon.died') && receiver.of('slack').length >= 2, 30_000, 'alerts after the restart');
    const hook = receiver.of('webhook').map((m) => m.json as Body);
    const repeated = hook.filter((b) => b.possibleDuplicate === true);
    // Exactly the one in flight (the oldest alert, sent first), never lost, with its stable id.
    expect(repeated).toHaveLength(1);
    expect(repeated[0]!.id).toBe(hook[0]!.id);
    expect(repeated[0]!.title).toContain('Restart history lost');
    expect(hook.filter((b) => b.id === repeated[0]!.id)).toHaveLength(1);
    expect(hook.find((b) => b.type === 'daemon.died')?.possibleDuplicate).toBeUndefined();
    // A chat channel has no such field: its text says it.
    const slack = receiver.of('slack');
    expect(slack[0]!.text).toContain(POSSIBLE_DUPLICATE_NOTE.replace(/^\(|\)$/g, '').slice(0, 40));
    expect(slack.slice(1).some((m) => m.text.includes('possibly a repeat'))).toBe(false);

    second.signal('SIGTERM');
    expect((await second.waitForExit(60_000)).code).toBe(0);
    const log = readFileSync(path.join(stateDir, 'logs', 'daemon.log'), 'utf8');
    expect(log).toMatch(/1 alert\(s\) for hook were being sent when the daemon stopped, with no answer yet: sent again, marked as a possible repeat/);
    expect(log).toMatch(/1 alert\(s\) for chat were being sent when the daemon stopped/);
  }, 180_000);
});

/** How many alert files in the outbox carry the in-flight mark (`"sending": true`). */
function sendingMarks(stateDir: string): number {
  const root = path.join(stateDir, 'outbox');
  let n = 0;
  let entries;
  try {
    entries = readdirSync(root, { withFileTypes: true, recursive: true });
  } catch {
    return 0; // No outbox yet.
  }
  for (const e of entries) {
    if (!e.isFile() || !ENTRY_FILE_RE.test(e.name) || path.basename(e.parentPath) === DEAD_DIR) continue;
    try {
      if ((JSON.parse(readFileSync(path.join(e.parentPath, e.name), 'utf8')) as { sending?: boolean }).sending === true) n++;
    } catch {
      // Being rewritten: the next look reads it.
    }
  }
  return n;
}
