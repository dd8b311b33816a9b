// GET /api/events/recent needs no token on loopback: each request read, parsed and redacted the journal's last 512 KB
// on its own, and 2000 at once held 1.4 GB and kept the probes 22 s late. They share one read until the journal changes.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DaemonContext, Daemon } from '../../src/daemon/daemon.js';
import { Redactor } from '../../src/observe/redact.js';
import { startApiServer, type ApiServer } from '../../src/server/api-server.js';
import { dashboardPlugin } from '../../src/server/dashboard.js';
import { RECENT_EVENTS_MAX } from '../../src/server/dashboard-events.js';
import { tempDir } from '../helpers/daemon.js';

let api: ApiServer | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const line = (i: number): string => JSON.stringify({ type: 'probe.failed', time: 1_700_000_000_000 + i, severity: 'warning', service: 'web', message: `event ${i} ${'x'.repeat(300)}` });

describe('GET /api/events/recent under a flood', () => {
  it('reads and redacts the journal once for the requests that arrive together, and still sees what came after', async () => {
    const stateDir = path.join(tempDir(), 'state');
    mkdirSync(stateDir, { recursive: true });
    const journal = path.join(stateDir, 'journal.jsonl');
    writeFileSync(journal, Array.from({ length: 2000 }, (_, i) => line(i)).join('\n') + '\n'); // ~700 KB: past the 512 KB read
    const real = new Redactor();
    let redacted = 0;
    const redactor = {
      redact: (t: string) => real.redact(t),
      redactDeep: <T>(v: T): T => {
        redacted++;
        return real.redactDeep(v);
      },
    } as unknown as Redactor;
    const ctx = { stateDir, redactor } as unknown as DaemonContext;
    const hooks = (await dashboardPlugin().init(ctx, {} as Daemon))!;
    api = await startApiServer({
      host: '127.0.0.1',
      port: 0,
      token: 't'.repeat(32),
      handlers: { status: () => ({}), action: async () => ({ ok: true, status: 200, message: '' }), subscribe: () => () => undefined, extra: hooks.extra! },
    });
    const url = `http://127.0.0.1:${api.port}/api/events/recent`;

    const N = 100;
    const answers = await Promise.all(Array.from({ length: N }, () => fetch(url).then((r) => r.json() as Promise<Array<{ message: string }>>)));
    for (const a of answers) {
      expect(a).toHaveLength(100);
      expect(a[99]!.message).toMatch(/^event 1999 /);
      expect(a[0]!.message).toMatch(/^event 1900 /);
    }
    // One read of the last RECENT_EVENTS_MAX events while the journal stays as it is, not one per request.
    expect(redacted).toBe(RECENT_EVENTS_MAX);

    appendFileSync(journal, line(2000) + '\n');
    const later = (await (await fetch(`${url}?limit=2`)).json()) as Array<{ message: string }>;
    expect(later.map((e) => e.message.split(' ').slice(0, 2).join(' '))).toEqual(['event 1999', 'event 2000']);
  });
});
