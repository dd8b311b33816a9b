// A connection URL in an alert (a log line, an error) keeps its password out of every payload, the outbox and the logs,
// in the forms the user-info pattern missed: an empty user name (`redis://:password@host`, Redis's own form) and a
// password holding a bare @ (`https://user:p@ss@host`, where only the part before the first @ was taken).
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { allChannels, config, event, logCollector, receiverPerTest } from './helpers.js';

const REDIS_PASSWORD = 'r3dis-Pass-7Hq';
const AT_PASSWORD_TAIL = 'tail-of-pw-9Zk';

async function outboxText(stateDir: string): Promise<string> {
  let text = '';
  for (const e of await readdir(path.join(stateDir, 'outbox'), { recursive: true, withFileTypes: true }).catch(() => [])) {
    if (e.isFile() && !e.name.endsWith('.tmp')) text += await readFile(path.join(e.parentPath, e.name), 'utf8').catch(() => '');
  }
  return text;
}

describe('passwords in connection URLs', () => {
  const ctx = receiverPerTest();

  it('are redacted with an empty user name or a bare @ in the password', async () => {
    const logs = logCollector();
    const n = createNotifier(config(allChannels(ctx.receiver)), { stateDir: ctx.stateDir, clock: systemClock(), redactor: new Redactor(), hostname: 'h', log: logs.log, warn: logs.log });
    ctx.notifiers.push(n);
    await ctx.receiver.down();
    n.publish(
      event({
        message: `cache unreachable: REDIS_URL=redis://:${REDIS_PASSWORD}@127.0.0.1:6379/0`,
        details: { logExcerpt: `Error: connect ECONNREFUSED redis://:${REDIS_PASSWORD}@cache:6379\nproxy https://ops:p@${AT_PASSWORD_TAIL}@proxy.local:3128/` },
      }),
    );
    await n.flush(3000).catch(() => undefined);
    const spooled = await outboxText(ctx.stateDir);
    await ctx.receiver.up();
    // Counted by the alert itself: "Alerts undelivered" notes from the down period arrive too, and may come first.
    const incidentPosts = () => ctx.receiver.accepted.filter((m) => m.text.includes('Incident opened')).length;
    await ctx.receiver.waitFor(() => incidentPosts() >= 6, 15_000, 'the incident alert on each of six channels');

    const sent = ctx.receiver.accepted.map((m) => `${m.raw}\n${m.text}`).join('\n');
    expect(sent).toContain('127.0.0.1:6379'); // the alert itself arrived, with the host
    for (const where of [sent, spooled, logs.lines.join('\n')]) {
      expect(where).not.toContain(REDIS_PASSWORD);
      expect(where).not.toContain(AT_PASSWORD_TAIL);
    }
  }, 30_000);
});
