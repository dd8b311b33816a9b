// A full state dir: each event queued there (a guardian pass's alert, the daemon's drain) took pending-events.lock
// through a draft the disk created but refused the bytes of; the draft was left behind, one
// `pending-events.lock.<pid>.<token>.new` per refused append (3 after three passes, for ever). Now it is removed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { appendPendingEvent } from '../../src/daemon/pending-events.js';
import { mountSmallDisk, type SmallDisk } from '../helpers/tmpfs.js';

let disk: SmallDisk;
beforeAll(() => {
  disk = mountSmallDisk('1m');
});
afterAll(() => {
  disk?.unmount();
});

describe('pending-events.lock on a full disk', () => {
  it('leaves no draft behind when the disk refuses it', () => {
    const stateDir = path.join(disk.dir, 'state');
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    disk.fill();
    for (let i = 0; i < 3; i++) {
      try {
        appendPendingEvent(stateDir, { type: 'daemon.crashed', time: Date.now(), severity: 'critical', message: `down ${i}` });
      } catch {
        // the append itself is refused too: said by its callers
      }
    }
    expect(readdirSync(stateDir).filter((f) => f.endsWith('.new'))).toEqual([]);
  });
});
