// Issue 16: the real cause travels up: Level 4 names the first failure, its exit, and the last lines the service printed, redacted.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

const SECRET = 'zq-private-value-7781';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('the Level 4 message carries the cause', () => {
  it('a crash loop: restarts in the window, last exit code, the last lines printed with the secret redacted (message, journal)', async () => {
    const dir = tempDir();
    const script = [
      "console.log('loading plugins');",
      'console.error(`connecting with token ${process.env.UPSTREAM_TOKEN}`);',
      "console.error('Error: upstream refused the handshake (code 42)');",
      'process.exit(3);',
    ].join(' ');
    td = await startTestDaemon(
      {
        services: [
          {
            name: 'crashy',
            command: [NODE, '-e', script],
            env: { UPSTREAM_TOKEN: SECRET },
            restart: { backoff: { initial: '50ms', max: '100ms' }, intensity: { maxRestarts: 3, window: '1m' } },
            doctor: { attempts: 0 },
          },
        ],
      },
      { dir },
    );
    const t = td;
    const esc = await waitFor(() => t.events.find((e) => e.type === 'incident.escalated'), { timeoutMs: 30_000 });
    expect(esc.message).toMatch(/crash loop: \d+ restarts within/);
    expect(esc.message).toContain('last exit code 3');
    expect(esc.message).toContain('Last lines before the exit');
    expect(esc.message).toContain('Error: upstream refused the handshake (code 42)');
    expect(esc.message).toContain('connecting with token');
    expect(esc.details).toMatchObject({ lastRung: null });
    expect((esc.details as { lastLines: string[] }).lastLines.length).toBeGreaterThan(0);
    // Never the secret: not in the event, not in the journal, not in state.json.
    expect(JSON.stringify(esc)).not.toContain(SECRET);
    await waitFor(() => t.journal().some((e) => e.type === 'incident.escalated'), { timeoutMs: 10_000 });
    expect(readFileSync(path.join(t.stateDir, 'journal.jsonl'), 'utf8')).not.toContain(SECRET);
    await t.daemon.writeStateNow();
    expect(readFileSync(path.join(t.stateDir, 'state.json'), 'utf8')).not.toContain(SECRET);
  });
});
