// GET /api/incidents answered every incident's whole timeline: 694 KB for 2 open incidents after ~3000 events, read by
// every dashboard tab after each incident event. The list now carries each timeline's newest events only
// (LIST_TIMELINE_EVENTS, ?timeline=N for another count) with how many older ones it left out; the whole timeline is
// /api/incidents/ID or ?timeline=full. A bad ?timeline= is a 400 naming the parameter, the value and what is expected.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { LIST_TIMELINE_EVENTS } from '../../src/observe/incidents.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

type Listed = { id: string; timeline: Array<{ message: string }>; timelineOmitted?: number; actions: string[]; actionsOmitted?: number };
const PER_INCIDENT = 1500;

describe('GET /api/incidents and the timelines it carries', () => {
  it('cuts each timeline to its newest events, says how many it left out, and gives the whole one by id or ?timeline=full', async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'state'));
    const t0 = Date.now() - 3_600_000;
    const lines: string[] = [];
    for (const k of [0, 1]) {
      const id = `inc-long-${k}`;
      lines.push(JSON.stringify({ type: 'incident.opened', time: t0 + k, severity: 'warning', message: `incident ${id} opened for old${k}: process ended`, service: `old${k}`, incidentId: id, details: { reason: 'process ended' } }));
      for (let i = 1; i < PER_INCIDENT; i++) {
        lines.push(JSON.stringify({ type: 'incident.action', time: t0 + 10 + i * 2 + k, severity: 'info', message: `step ${k}.${i} ${'x'.repeat(120)}`, service: `old${k}`, incidentId: id, level: 1, details: { action: 'restart' } }));
      }
    }
    writeFileSync(path.join(dir, 'state', 'journal.jsonl'), lines.join('\n') + '\n');
    td = await startTestDaemon({ services: [{ name: 'web', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] }, { dir });
    const base = `http://127.0.0.1:${td.daemon.api!.port}`;

    // The whole timelines: the incident's events, and the daemon's own life events while it was open (its start).
    const full = (await (await fetch(`${base}/api/incidents?timeline=full`)).json()) as Listed[];
    const whole = new Map(full.filter((i) => i.id.startsWith('inc-long-')).map((i) => [i.id, i.timeline]));
    expect(whole.size).toBe(2);
    for (const [id, timeline] of whole) {
      expect(timeline.length, id).toBeGreaterThanOrEqual(PER_INCIDENT);
      expect(full.find((i) => i.id === id)!.timelineOmitted).toBeUndefined();
      const byId = (await (await fetch(`${base}/api/incidents/${id}`)).json()) as Listed;
      expect(byId.timeline).toEqual(timeline);
      expect(byId.timelineOmitted).toBeUndefined();
    }

    const res = await fetch(`${base}/api/incidents`);
    expect(res.status).toBe(200);
    const text = await res.text();
    const list = JSON.parse(text) as Listed[];
    const long = list.filter((i) => i.id.startsWith('inc-long-'));
    expect(long).toHaveLength(2);
    for (const inc of long) {
      const timeline = whole.get(inc.id)!;
      // The newest events, in journal order, and how many older ones were left out.
      expect(inc.timeline).toEqual(timeline.slice(-LIST_TIMELINE_EVENTS));
      expect(inc.timelineOmitted).toBe(timeline.length - LIST_TIMELINE_EVENTS);
      // One action per restart: the newest kept, the rest counted.
      expect(inc.actions).toHaveLength(LIST_TIMELINE_EVENTS);
      expect(inc.actionsOmitted).toBe(PER_INCIDENT - 1 - LIST_TIMELINE_EVENTS);
    }
    expect(full.find((i) => i.id === 'inc-long-0')!.actions).toHaveLength(PER_INCIDENT - 1);
    // Bounded: it was ~600 KB for these two.
    expect(Buffer.byteLength(text)).toBeLessThan(48 * 1024);

    const few = (await (await fetch(`${base}/api/incidents?timeline=3`)).json()) as Listed[];
    expect(few.find((i) => i.id === 'inc-long-0')!.timeline).toEqual(whole.get('inc-long-0')!.slice(-3));

    for (const bad of ['abc', '0', '-1', '2.5', 'FULL']) {
      const r = await fetch(`${base}/api/incidents?timeline=${bad}`);
      expect(r.status, bad).toBe(400);
      expect(((await r.json()) as { error: string }).error).toBe(`timeline: expected "full" or a whole number from 1 to 10000 (default ${LIST_TIMELINE_EVENTS}), got ${JSON.stringify(bad)}`);
    }
  }, 60_000);
});
