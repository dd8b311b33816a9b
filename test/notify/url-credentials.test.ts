// A webhook or ntfy URL with user info (https://user:pass@host/hook) passes the config, but fetch refuses to build a
// request from it: every alert was retried for ever and none sent. It is sent with an Authorization: Basic header.
import { describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { config, event, logCollector, receiverPerTest } from './helpers.js';

const PASSWORD = 'p@ss:w0rd-secret'; // '@' and ':' percent-encoded in the URL
const ENCODED = encodeURIComponent(PASSWORD);

describe('URL with user info', () => {
  const ctx = receiverPerTest();

  it('is delivered with Basic auth from the URL, the password in no log line', async () => {
    const withUser = (url: string): string => url.replace('http://', `http://alice:${ENCODED}@`);
    const logs = logCollector();
    const n = createNotifier(
      config([
        { type: 'webhook', url: withUser(`${ctx.receiver.base}/webhook/hook-1`) },
        { type: 'ntfy', server: withUser(`${ctx.receiver.base}/ntfy`), topic: 'clawback-alerts' },
        // A header of its own wins over the URL's user info.
        { type: 'webhook', name: 'own-auth', url: withUser(`${ctx.receiver.base}/webhook/hook-2`), headers: { Authorization: 'Bearer own-header-token-1234' } },
      ]),
      { stateDir: ctx.stateDir, clock: systemClock(), redactor: new Redactor(), log: logs.log, warn: logs.log },
    );
    ctx.notifiers.push(n);
    n.publish(event({ message: 'gateway down' }));
    await n.flush(10_000);

    const basic = `Basic ${Buffer.from(`alice:${PASSWORD}`).toString('base64')}`;
    const hook1 = ctx.receiver.posts('webhook').filter((m) => m.path === '/webhook/hook-1');
    const hook2 = ctx.receiver.posts('webhook').filter((m) => m.path === '/webhook/hook-2');
    const ntfy = ctx.receiver.posts('ntfy');
    // Before the fix: nothing arrived ("Request cannot be constructed from a URL that includes credentials").
    expect(hook1).toHaveLength(1);
    expect(hook1[0]!.headers.authorization).toBe(basic);
    expect(ntfy).toHaveLength(1);
    expect(ntfy[0]!.headers.authorization).toBe(basic);
    expect(hook2).toHaveLength(1);
    expect(hook2[0]!.headers.authorization).toBe('Bearer own-header-token-1234');
    expect(n.stats().delivered).toBe(3);
    const said = logs.lines.join('\n');
    expect(said).not.toContain(PASSWORD);
    expect(said).not.toContain(ENCODED);
  }, 20_000);
});
