// GET /api/incidents?limit=N answers at most 500 incidents whatever N is: a negative limit sliced from the end and
// answered every incident of the journal but the last N (no token is needed for it on loopback).
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
  it('keeps the default for a limit that is not a whole number from 1, and caps it at 500', async () => {
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
    expect(await count('?limit=100000')).toBe(500);
    expect(await count('?limit=-1')).toBe(50);
    expect(await count('?limit=-600')).toBe(50);
    expect(await count('?limit=2.5')).toBe(50);
  });
});
