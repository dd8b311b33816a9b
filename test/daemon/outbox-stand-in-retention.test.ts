// What the outbox found in a channel folder's place (or its dead/'s) is moved aside as `<name>.not-a-dir-<time>` so
// alerts can be spooled again; the retention sweep bounded every other kind of the daemon's own evidence but not these:
// 25 of them, 40 days old, stayed for ever. The newest `keep` of each folder's stand-ins stay; a channel named like a
// copy and its alerts are never the sweep's.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sweepState } from '../../src/daemon/state-retention.js';
import { fileStamp } from '../../src/platform/file-stamp.js';

const DAY = 86_400_000;
let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('retention of what stood in the outbox folders\' places', () => {
  it('outbox/<channel>.not-a-dir-* and <channel>/dead.not-a-dir-* are bounded per folder; channels and alerts are kept', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-outbox-stand-in-'));
    const now = Date.now();
    const old = now - 40 * DAY;
    const outbox = path.join(dir, 'outbox');
    const channel = path.join(outbox, 'team.v2-alerts');
    mkdirSync(path.join(channel, 'dead'), { recursive: true });
    writeFileSync(path.join(channel, '000000000001.json'), '{}');
    for (let i = 0; i < 25; i++) {
      const at = old + i * 1000;
      for (const p of [path.join(outbox, `ops.not-a-dir-${fileStamp(at)}`), path.join(channel, `dead.not-a-dir-${fileStamp(at)}`)]) {
        writeFileSync(p, 'x');
        utimesSync(p, new Date(at), new Date(at));
      }
    }
    utimesSync(channel, new Date(old), new Date(old));
    const removed = await sweepState(dir, now, new Set(), { keep: 20, maxAgeMs: 30 * DAY });
    expect(removed).toHaveLength(2 * 5);
    expect(readdirSync(outbox).filter((n) => n.startsWith('ops.not-a-dir-'))).toHaveLength(20);
    expect(readdirSync(channel).filter((n) => n.startsWith('dead.not-a-dir-'))).toHaveLength(20);
    expect(readdirSync(outbox)).toContain('team.v2-alerts');
    expect(readdirSync(channel)).toEqual(expect.arrayContaining(['000000000001.json', 'dead']));
  });
});
