// The state dir stays bounded: old incident dirs, update backups and removed locks go; open, newest and recent ones stay.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { expiredEntries, retentionPlugin, sweepState } from '../../src/daemon/state-retention.js';
import { FakeClock } from '../../src/platform/clock.js';
import type { ClawbackEvent } from '../../src/observe/events.js';
import type { Daemon, DaemonContext } from '../../src/daemon/daemon.js';

const DAY = 86_400_000;
let dir: string | undefined;
afterEach(async () => {
  if (dir) await fs.rm(dir, { recursive: true, force: true });
  dir = undefined;
});

/** Creates dir/rel (a directory with a file in it, or a file) last modified `daysAgo` days before `now`. */
async function aged(rel: string, daysAgo: number, now: number, file = false): Promise<void> {
  const p = path.join(dir!, rel);
  await fs.mkdir(file ? path.dirname(p) : p, { recursive: true });
  if (file) await fs.writeFile(p, 'lock');
  else await fs.writeFile(path.join(p, 'copy'), 'x');
  const t = new Date(now - daysAgo * DAY);
  await fs.utimes(p, t, t);
}

describe('state retention', () => {
  it('pure: the newest `keep` always stay; beyond them only entries older than maxAge go, never one in use', () => {
    const now = 100 * DAY;
    const e = (name: string, days: number) => ({ name, mtimeMs: now - days * DAY });
    const entries = [e('a', 90), e('b', 60), e('c', 40), e('d', 10), e('e', 1)];
    expect(expiredEntries(entries, now, { keep: 2, maxAgeMs: 30 * DAY })).toEqual(['c', 'b', 'a']);
    expect(expiredEntries(entries, now, { keep: 2, maxAgeMs: 30 * DAY }, new Set(['b']))).toEqual(['c', 'a']);
    expect(expiredEntries(entries, now, { keep: 2, maxAgeMs: 50 * DAY })).toEqual(['b', 'a']);
    expect(expiredEntries(entries, now, { keep: 5, maxAgeMs: 0 })).toEqual([]);
  });

  it('a sweep of a real state dir removes old incident dirs, update backups and lock evidence; keeps the open incident and the recent', async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'clawback-retention-'));
    const now = Date.now();
    for (let i = 0; i < 4; i++) await aged(`incidents/inc-old-${i}`, 40 + i, now);
    await aged('incidents/inc-open-old', 90, now);
    await aged('incidents/inc-recent', 2, now);
    await aged('updates/gw/run-old', 45, now);
    await aged('updates/gw/run-new', 3, now);
    await aged('evidence/locks/gw/gateway.1.lock', 50, now, true);
    await aged('evidence/locks/gw/gateway.2.lock', 1, now, true);
    await aged('evidence/backups/gw/t1-openclaw.json.bak.4', 50, now, true);
    await aged('evidence/backups/gw/t2-openclaw.json.bak.4', 1, now, true);
    await fs.writeFile(path.join(dir, 'journal.jsonl'), '');
    const removed = await sweepState(dir, now, new Set(['inc-open-old']), { keep: 2, maxAgeMs: 30 * DAY });
    const rel = removed.map((p) => path.relative(dir!, p)).sort();
    // Newest two of the incidents are inc-recent and inc-old-0; inc-open-old is open; the rest are old.
    expect(rel).toEqual(['incidents/inc-old-1', 'incidents/inc-old-2', 'incidents/inc-old-3']);
    expect((await fs.readdir(path.join(dir, 'incidents'))).sort()).toEqual(['inc-old-0', 'inc-open-old', 'inc-recent']);
    // keep 2 protects both update runs and both locks here; with keep 1 the old ones go.
    const more = (await sweepState(dir, now, new Set(['inc-open-old']), { keep: 1, maxAgeMs: 30 * DAY })).map((p) => path.relative(dir!, p)).sort();
    expect(more).toEqual(['evidence/backups/gw/t1-openclaw.json.bak.4', 'evidence/locks/gw/gateway.1.lock', 'incidents/inc-old-0', 'updates/gw/run-old']);
    expect(await fs.readdir(path.join(dir, 'updates', 'gw'))).toEqual(['run-new']);
    await fs.access(path.join(dir, 'journal.jsonl'));
  });

  it('drill reports (drills/) are swept by run: a run\'s .md, .json and .svg go together; the newest runs, the recent and files no drill wrote stay', async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'clawback-retention-'));
    const now = Date.now();
    // A year of weekly drills: one .md + .json each (~2.3 KB; a chaos soak adds an .svg), never removed before.
    for (let w = 0; w < 52; w++) {
      const stem = `drill-2026-w${String(w).padStart(2, '0')}`;
      for (const ext of ['md', 'json']) await aged(`drills/${stem}.${ext}`, 7 * w + 1, now, true);
    }
    for (const ext of ['md', 'json', 'svg']) await aged(`drills/chaos-old.${ext}`, 400, now, true);
    await aged('drills/my-notes.txt', 400, now, true);
    const removed = (await sweepState(dir, now, new Set(), { keep: 3, maxAgeMs: 30 * DAY })).map((p) => path.relative(dir!, p));
    const left = (await fs.readdir(path.join(dir, 'drills'))).sort();
    // Runs younger than 30 days (weeks 0..4) stay, and so would the newest 3; the chaos run goes whole.
    expect(left).toEqual([...[0, 1, 2, 3, 4].flatMap((w) => [`drill-2026-w0${w}.json`, `drill-2026-w0${w}.md`]), 'my-notes.txt']);
    expect(removed).toContain('drills/chaos-old.svg');
    expect(removed).toHaveLength(47 * 2 + 3);
    // keep counts runs, not files: with everything old, the newest 3 runs stay whole.
    const later = now + 365 * DAY;
    await sweepState(dir, later, new Set(), { keep: 3, maxAgeMs: 30 * DAY });
    expect((await fs.readdir(path.join(dir, 'drills'))).sort()).toEqual([...[0, 1, 2].flatMap((w) => [`drill-2026-w0${w}.json`, `drill-2026-w0${w}.md`]), 'my-notes.txt']);
  });

  it("logs of services no longer configured go whole (rotations too); a configured service's, its instances' and Clawback's own stay", async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'clawback-retention-'));
    const now = Date.now();
    // A soak of 100 reloads left 116 such logs, never removed: each service name a user ever configured kept one.
    const old = ['daemon.log', 'daemon.log.1', 'guardian.log', 'daemon.out.log.2', 'launchd-daemon.err.log', 'app.log', 'app.log.1', 'app:3.log', 'gone.log', 'gone.log.1', 'gone.log.2.gz', 'gone2.log', 'notes.txt'];
    for (const f of old) await aged(`logs/${f}`, 60, now, true);
    await aged('logs/recent-gone.log', 2, now, true);
    await aged('logs/olddir.log', 60, now);
    const services = new Set(['app']);
    // Without the names configured, no log is a removed service's.
    expect(await sweepState(dir, now, new Set(), { keep: 1, maxAgeMs: 30 * DAY })).toEqual([]);
    const removed = (await sweepState(dir, now, new Set(), { keep: 1, maxAgeMs: 30 * DAY }, [], services)).map((p) => path.relative(dir!, p)).sort();
    expect(removed).toEqual(['logs/gone.log', 'logs/gone.log.1', 'logs/gone.log.2.gz', 'logs/gone2.log']);
    const left = (await fs.readdir(path.join(dir, 'logs'))).sort();
    expect(left).toEqual(['app.log', 'app.log.1', 'app:3.log', 'daemon.log', 'daemon.log.1', 'daemon.out.log.2', 'guardian.log', 'launchd-daemon.err.log', 'notes.txt', 'olddir.log', 'recent-gone.log']);
  });

  it('the policy comes from the config (`retention:`), read at each sweep; a bad value names the field', async () => {
    const { loadConfig } = await import('../../src/config/load.js');
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'clawback-retention-'));
    const file = path.join(dir, 'clawback.yaml');
    await fs.writeFile(file, 'services: [{ name: gw, command: [node, x.mjs] }]\nretention: { keep: 1, maxAge: 7d }\n');
    const config = loadConfig({ file, cwd: dir }).config;
    expect(config.retention).toEqual({ keep: 1, maxAge: 7 * DAY });
    await fs.writeFile(file, 'services: [{ name: gw, command: [node, x.mjs] }]\nretention: { maxAge: soon }\n');
    expect(() => loadConfig({ file, cwd: dir })).toThrow(/retention\.maxAge.*expected a duration such as .*got "soon"/s);

    const clock = new FakeClock(Date.now());
    const events: ClawbackEvent[] = [];
    const ctx = { stateDir: dir, clock, emit: (e: ClawbackEvent) => events.push(e), config } as unknown as DaemonContext;
    await aged('incidents/inc-new', 1, clock.now());
    await aged('incidents/inc-10d', 10, clock.now());
    const hooks = (await retentionPlugin(undefined, { firstAfterMs: 10, everyMs: 1000 }).init(ctx, { runtimes: new Map() } as unknown as Daemon))!;
    clock.advance(10);
    for (let i = 0; i < 50 && events.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(events[0]?.details?.removed).toEqual(['incidents/inc-10d']);
    // A reload that keeps more: the next sweep follows it.
    ctx.config = { ...config, retention: { keep: 5, maxAge: 7 * DAY } };
    await aged('incidents/inc-20d', 20, clock.now());
    clock.advance(1000);
    await new Promise((r) => setTimeout(r, 100));
    expect(events).toHaveLength(1);
    await hooks.stop!();
  });

  it('the daemon plugin sweeps after start and then periodically, names what it removed in one event, and stops its timer', async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'clawback-retention-'));
    const clock = new FakeClock(Date.now());
    const events: ClawbackEvent[] = [];
    const ctx = { stateDir: dir, clock, emit: (e: ClawbackEvent) => events.push(e) } as unknown as DaemonContext;
    const open = { id: 'inc-open' };
    const daemon = { runtimes: new Map([['gw', { currentIncident: () => open }]]) } as unknown as Daemon;
    for (let i = 0; i < 3; i++) await aged(`incidents/inc-${i}`, 40 + i, clock.now());
    await aged('incidents/inc-open', 40, clock.now());
    const hooks = (await retentionPlugin({ keep: 1, maxAgeMs: 30 * DAY }, { firstAfterMs: 1000, everyMs: 10_000 }).init(ctx, daemon))!;
    clock.advance(999);
    expect(events).toEqual([]);
    clock.advance(1);
    for (let i = 0; i < 50 && events.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(events).toHaveLength(1);
    expect(events[0]!.type).toBe('daemon.housekeeping');
    expect((events[0]!.details!.removed as string[]).sort()).toEqual(['incidents/inc-1', 'incidents/inc-2']);
    expect((await fs.readdir(path.join(dir, 'incidents'))).sort()).toEqual(['inc-0', 'inc-open']);
    await aged('incidents/inc-late', 60, clock.now());
    clock.advance(10_000);
    for (let i = 0; i < 50 && events.length === 1; i++) await new Promise((r) => setTimeout(r, 10));
    expect(events[1]!.details!.removed).toEqual(['incidents/inc-late']);
    await hooks.stop!();
    await aged('incidents/inc-after-stop', 60, clock.now());
    clock.advance(100_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(events).toHaveLength(2);
  });
});
