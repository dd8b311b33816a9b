// GET /api/incidents?limit=N answers at most 500 incidents whatever N is: a negative limit sliced from the end and
// answered every incident of the journal but the last N (no token is needed for it on loopback). A limit that is not a
// whole number from 1 to 500 (abc, -1, 2.5, 1e9, 100000) is a 400 naming the parameter, the value and what is expected:
// it was answered with 50 (or 500) incidents, silently, so a script asking for 100000 believed it had them all.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('GET /api/incidents and its limit', () => {
  it('answers 1 to 500, the default 50 without one, and a 400 that names a bad limit', async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'state'));
    const t0 = Date.now() - 3_600_000;
    const lines = Array.from({ length: 700 }, (_, i) =>
      JSON.stringify({ type: 'incident.opened', time: t0 + i, severity: 'warning', message: `incident inc-${i} opened for old: process ended`, service: 'old', incidentId: `inc-${i}`, details: { reason: 'process ended' } }),
    );
    writeFileSync(path.join(dir, 'state', 'journal.jsonl'), lines.join('\n') + '\n');
    td = await startTestDaemon({ services: [{ name: 'web', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] }, { dir });
    const base = `http://127.0.0.1:${td.daemon.api!.port}`;
    const count = async (q: string): Promise<number> => ((await (await fetch(`${base}/api/incidents${q}`)).json()) as unknown[]).length;
    expect(await count('')).toBe(50);
    expect(await count('?limit=3')).toBe(3);
    expect(await count('?limit=500')).toBe(500);
    for (const bad of ['abc', '-1', '-600', '2.5', '1e9', '100000', '0', '', '%20']) {
      const res = await fetch(`${base}/api/incidents?limit=${bad}`);
      expect(res.status, bad).toBe(400);
      const shown = decodeURIComponent(bad);
      expect(((await res.json()) as { error: string }).error, bad).toBe(`limit: expected a whole number from 1 to 500 (default 50), got ${JSON.stringify(shown)}`);
    }
    // The dashboard's backlog route reads its limit the same way.
    expect(await (await fetch(`${base}/api/events/recent?limit=2`)).json()).toHaveLength(2);
    const recent = await fetch(`${base}/api/events/recent?limit=abc`);
    expect(recent.status).toBe(400);
    expect(((await recent.json()) as { error: string }).error).toBe('limit: expected a whole number from 1 to 500 (default 100), got "abc"');
  });
});
