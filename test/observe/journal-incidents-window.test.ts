// The daemon (/api/incidents, GET /api/incidents/ID) and `clawback incidents` / `incident ID` read one window of the
// journal through one reader: the daemon read .1 and the live file while the CLI read .3 to the live file, so an
// incident opened in journal.jsonl.2 and resolved in the live file read reason "unknown", TTR 0 s in the API and
// "process ended with code 1", 2.00 s in the CLI; an incident all in .3 was "no incident" in the API.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { FIXTURES, NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

const ev = (o: Record<string, unknown>): string => `${JSON.stringify({ severity: 'info', message: String(o.type), ...o })}\n`;

describe('one journal window for the daemon and the CLI', () => {
  it('reads an incident opened in .2 (and one all in .3) alike in /api/incidents and clawback incidents', async () => {
    const dir = tempDir();
    const stateDir = path.join(dir, 'state');
    mkdirSync(stateDir);
    const file = path.join(stateDir, 'journal.jsonl');
    const t = Date.now() - 3_600_000;
    writeFileSync(`${file}.3`, ev({ type: 'incident.opened', time: t - 60_000, service: 'old', incidentId: 'inc-three', level: 0, details: { reason: 'out of memory' } }) + ev({ type: 'incident.resolved', time: t - 59_000, service: 'old', incidentId: 'inc-three', level: 0, details: { outcome: 'auto-resolved' } }));
    writeFileSync(`${file}.2`, ev({ type: 'incident.opened', time: t, service: 'old', incidentId: 'inc-span', level: 0, details: { reason: 'process ended with code 1' } }));
    writeFileSync(`${file}.1`, ev({ type: 'service.restarted', time: t + 1000, service: 'old', incidentId: 'inc-span', level: 0 }));
    writeFileSync(file, ev({ type: 'incident.resolved', time: t + 2000, service: 'old', incidentId: 'inc-span', level: 0, details: { outcome: 'auto-resolved' } }));
    td = await startTestDaemon({ services: [{ name: 'web', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] }, { dir });
    const base = `http://127.0.0.1:${td.daemon.api!.port}`;

    type Row = { id: string; reason: string; openedAt: number; ttrMs?: number; outcome: string };
    const pick = (r: Row): Partial<Row> => ({ id: r.id, reason: r.reason, openedAt: r.openedAt, ttrMs: r.ttrMs, outcome: r.outcome });
    const api = ((await (await fetch(`${base}/api/incidents`)).json()) as Row[]).map(pick);
    const cli = await runCli(['--state-dir', stateDir, 'incidents', '--json'], { timeoutMs: 30_000 });
    expect(cli.code, cli.stderr).toBe(0);
    const listed = (JSON.parse(cli.stdout) as Row[]).map(pick);
    expect(listed).toEqual([
      { id: 'inc-three', reason: 'out of memory', openedAt: t - 60_000, ttrMs: 1000, outcome: 'auto-resolved' },
      { id: 'inc-span', reason: 'process ended with code 1', openedAt: t, ttrMs: 2000, outcome: 'auto-resolved' },
    ]);
    // The API lists newest first.
    expect(api).toEqual([...listed].reverse());

    const one = await fetch(`${base}/api/incidents/inc-three`);
    expect(one.status).toBe(200);
    expect(pick((await one.json()) as Row)).toEqual(listed[0]);
  }, 60_000);
});
