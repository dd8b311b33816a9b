// The copies kept of broken files (`state.json.corrupt-*`, `scale.json.corrupt-*`, `<config>.corrupt-*`,
// `<config>.doctor-undone-*`) are bounded by `retention:` like the rest of the evidence: they grew one per repair for good.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { retentionPlugin, sweepState } from '../../src/daemon/state-retention.js';
import { FakeClock } from '../../src/platform/clock.js';
import type { ClawbackEvent } from '../../src/observe/events.js';
import type { Daemon, DaemonContext } from '../../src/daemon/daemon.js';

const DAY = 86_400_000;
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await fs.rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await fs.mkdtemp(path.join(os.tmpdir(), 'clawback-evidence-copies-'));
  dirs.push(d);
  return d;
}

/** Writes a file last modified `daysAgo` days before `now`. */
async function agedFile(p: string, daysAgo: number, now: number): Promise<void> {
  await fs.writeFile(p, `bytes of ${path.basename(p)}`);
  const t = new Date(now - daysAgo * DAY);
  await fs.utimes(p, t, t);
}

describe('retention of the copies kept of broken files', () => {
  it('a month and more of daily repairs: beyond the newest `keep` of each file and label, copies older than maxAge go; the rest stays', async () => {
    const stateDir = await tempDir();
    const userDir = await tempDir();
    const now = Date.now();
    const config = path.join(userDir, 'gateway.json');
    await fs.writeFile(config, '{}');
    // 90 days of one broken config a day, each kept by the doctor, plus 40 undone doctor runs and 40 corrupt state files.
    for (let d = 0; d < 90; d++) await agedFile(`${config}.corrupt-day${String(d).padStart(3, '0')}`, d, now);
    for (let d = 0; d < 40; d++) await agedFile(`${config}.doctor-undone-day${String(d).padStart(3, '0')}`, d * 2, now);
    for (let d = 0; d < 40; d++) await agedFile(path.join(stateDir, `state.json.corrupt-day${String(d).padStart(3, '0')}`), d * 2, now);
    for (let d = 0; d < 3; d++) await agedFile(path.join(stateDir, `scale.json.corrupt-day${d}`), 100 + d, now);
    // Not Clawback's: the user's own files, a directory and a link of the same form, and another file's copies.
    await agedFile(path.join(userDir, 'notes.txt'), 200, now);
    await agedFile(path.join(userDir, 'other.json.corrupt-old'), 200, now);
    await fs.mkdir(`${config}.corrupt-a-dir`);
    await fs.utimes(`${config}.corrupt-a-dir`, new Date(now - 200 * DAY), new Date(now - 200 * DAY));
    await fs.symlink('/etc/hostname', `${config}.corrupt-a-link`);

    // Half a day past 30 days: no copy sits on the boundary (mtime precision).
    const policy = { keep: 20, maxAgeMs: 30 * DAY + DAY / 2 };
    const removed = await sweepState(stateDir, now, new Set(), policy, [config]);
    const left = async (dir: string, prefix: string): Promise<string[]> => (await fs.readdir(dir)).filter((n) => n.startsWith(prefix)).sort();

    // corrupt: days 0..30 (31 copies, the newest 20 among them) stay; days 31..89 go.
    const corrupt = await left(userDir, 'gateway.json.corrupt-day');
    expect(corrupt).toHaveLength(31);
    expect(corrupt[0]).toBe('gateway.json.corrupt-day000');
    expect(corrupt.at(-1)).toBe('gateway.json.corrupt-day030');
    // doctor-undone every 2 days: 0..30 days old is 16 copies, fewer than keep: the newest 20 stay.
    expect(await left(userDir, 'gateway.json.doctor-undone-')).toHaveLength(20);
    expect(await left(stateDir, 'state.json.corrupt-')).toHaveLength(20);
    // Old, but the newest of their kind: kept.
    expect(await left(stateDir, 'scale.json.corrupt-')).toHaveLength(3);
    expect((await fs.readdir(userDir)).filter((n) => /^(notes\.txt|other\.json\.corrupt-old|gateway\.json\.corrupt-a-(dir|link))$/.test(n)).sort()).toEqual([
      'gateway.json.corrupt-a-dir',
      'gateway.json.corrupt-a-link',
      'notes.txt',
      'other.json.corrupt-old',
    ]);
    expect(removed).toHaveLength(59 + 20 + 20);
  });

  it('the daemon plugin sweeps beside each service config (symlink resolved) and names what it removed in one event', async () => {
    const stateDir = await tempDir();
    const userDir = await tempDir();
    const clock = new FakeClock(Date.now());
    const real = path.join(userDir, 'real.json');
    await fs.writeFile(real, '{}');
    const link = path.join(userDir, 'gateway.json');
    await fs.symlink(real, link);
    for (let d = 0; d < 3; d++) await agedFile(`${real}.corrupt-day${d}`, 40 + d, clock.now());
    await agedFile(path.join(stateDir, 'state.json.corrupt-old'), 40, clock.now());
    await agedFile(path.join(stateDir, 'state.json.corrupt-older'), 41, clock.now());
    const events: ClawbackEvent[] = [];
    const config = { services: [{ name: 'gw', configFile: { path: link } }] };
    const ctx = { stateDir, clock, emit: (e: ClawbackEvent) => events.push(e), config } as unknown as DaemonContext;
    const hooks = (await retentionPlugin({ keep: 1, maxAgeMs: 30 * DAY }, { firstAfterMs: 10, everyMs: 60_000 }).init(ctx, { runtimes: new Map() } as unknown as Daemon))!;
    clock.advance(10);
    for (let i = 0; i < 200 && events.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await hooks.stop!();
    expect(events).toHaveLength(1);
    expect(events[0]!.type).toBe('daemon.housekeeping');
    expect((events[0]!.details!.removed as string[]).sort()).toEqual([`${real}.corrupt-day1`, `${real}.corrupt-day2`, 'state.json.corrupt-older']);
    expect(events[0]!.message).toMatch(/removed 3 old item\(s\)/);
    expect((await fs.readdir(userDir)).sort()).toEqual(['gateway.json', 'real.json', 'real.json.corrupt-day0']);
  }, 20_000);
});
