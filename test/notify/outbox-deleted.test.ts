// The outbox deleted by hand while alerts wait in it: they were held in memory only, in silence, and a daemon restarted
// later lost them. Now they are written again before the channel's next try, said in a notify.spool-rewritten alert.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { alertId, type OutboxEntry } from '../../src/notify/outbox.js';
import { Receiver } from './receiver.js';

/** The alerts waiting in one channel's folder, by id. */
function spooled(folder: string): Map<string, OutboxEntry> {
  const out = new Map<string, OutboxEntry>();
  if (!existsSync(folder)) return out;
  for (const f of readdirSync(folder)) {
    if (!/^\d{12}\.json$/.test(f)) continue;
    const e = JSON.parse(readFileSync(path.join(folder, f), 'utf8')) as OutboxEntry;
    out.set(alertId(e), e);
  }
  return out;
}

describe('the outbox deleted by hand while alerts wait', () => {
  let t: TestDaemon | undefined;
  let receiver: Receiver | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
    await receiver?.down();
  });

  it('writes them again, says so once, and a restarted daemon sends each of them once', async () => {
    receiver = await Receiver.start();
    receiver.script(100_000, 500);
    const config = {
      notify: { channels: [{ type: 'webhook', name: 'ops', mode: 'every-event', url: `${receiver.base}/webhook/x` }], maxAttempts: 1000, timeout: 1000, backoff: { initial: 200, max: 400 } },
      services: [{ name: 'sl', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }],
    };
    t = await startTestDaemon(config);
    const outbox = path.join(t.stateDir, 'outbox');
    const folder = path.join(outbox, 'ops');
    await waitFor(() => spooled(folder).size >= 2 || null, { timeoutMs: 15_000 });
    const before = spooled(folder);
    rmSync(outbox, { recursive: true, force: true });

    // Written again from memory (before the fix only alerts spooled later came back).
    await waitFor(() => [...before.keys()].every((id) => spooled(folder).has(id)) || null, { timeoutMs: 15_000 });
    const said = await waitFor(() => t!.journal().find((e) => e.type === 'notify.spool-rewritten') ?? null, { timeoutMs: 10_000 });
    expect(said.severity).toBe('warning');
    expect(said.message).toMatch(/^\d+ alert\(s\) waiting for ops were missing from the outbox/);
    expect(said.details?.['rewritten']).toBeGreaterThanOrEqual(before.size);

    // The daemon goes away before the endpoint comes back: the next one sends each of them, once.
    await t.stop();
    t = await startTestDaemon(config, { dir: t.dir });
    receiver.clearScript();
    const ids = (): string[] => receiver!.of('webhook').map((m) => (m.json as { id: string }).id);
    await waitFor(() => [...before.keys()].every((id) => ids().includes(id)) || null, { timeoutMs: 20_000 });
    for (const id of before.keys()) expect(ids().filter((x) => x === id)).toHaveLength(1);
    expect(t.journal().filter((e) => e.type === 'notify.spool-rewritten')).toHaveLength(1);
  }, 60_000);
});
