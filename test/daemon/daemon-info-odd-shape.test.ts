// A FIFO or a link to /dev/zero in daemon.json's place (a person, an agent, a bad restore) was replaced by the next beat
// without a word and not kept; only a directory was moved aside and named. Anything not a regular file is now moved aside
// as daemon.json.corrupt-<time> (the link itself, not what it points at), named once, and the beat written.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { lstatSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { systemClock } from '../../src/platform/clock.js';
import { startHeartbeat, type Heartbeat } from '../../src/daemon/heartbeat.js';
import type { DaemonInfo } from '../../src/daemon/daemon-info.js';
import { tempDir } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanup.length) await Promise.resolve(cleanup.pop()!()).catch(() => undefined);
});

const info = (): DaemonInfo => ({ pid: process.pid, pidStartTime: null, api: { host: '127.0.0.1', port: 1 }, startedAt: 0, version: 'test' }) as unknown as DaemonInfo;

const SHAPES: Array<[string, (file: string) => void, string]> = [
  ['a FIFO', (f) => execFileSync('mkfifo', [f]), 'a FIFO'],
  ['a link to /dev/zero', (f) => symlinkSync('/dev/zero', f), 'a link to a character device'],
];

describe("daemon.json in an odd shape under a live heartbeat", () => {
  it.each(SHAPES)('%s is moved aside, named once, and the beat written', async (_name, make, was) => {
    const dir = tempDir('clawback-info-odd-');
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const moved: Array<[string, string]> = [];
    const hb: Heartbeat = startHeartbeat({ stateDir: dir, clock: systemClock(), intervalMs: 100, info, onMovedAside: (k, w) => moved.push([k, w]) });
    cleanup.push(() => hb.stop());
    const file = path.join(dir, 'daemon.json');
    await waitFor(() => lstatSync(file, { throwIfNoEntry: false })?.isFile() || undefined, { timeoutMs: 5000, intervalMs: 20, message: 'first beat' });
    rmSync(file);
    make(file);
    await waitFor(() => lstatSync(file, { throwIfNoEntry: false })?.isFile() || undefined, { timeoutMs: 5000, intervalMs: 20, message: 'beat written again' });
    await hb.stop();
    const kept = readdirSync(dir).filter((n) => n.startsWith('daemon.json.corrupt-'));
    expect(kept).toHaveLength(1);
    const keptAs = path.join(dir, kept[0]!);
    if (was === 'a FIFO') expect(lstatSync(keptAs).isFIFO()).toBe(true);
    else expect(readlinkSync(keptAs)).toBe('/dev/zero');
    expect(moved).toEqual([[keptAs, was]]);
    expect(JSON.parse(readFileSync(file, 'utf8')).pid).toBe(process.pid);
  });
});
