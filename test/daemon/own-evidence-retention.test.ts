// The retention sweep bounded only state.json's and scale.json's `.corrupt-*` copies in the state dir: the copies the
// daemon keeps of its other files (daemon.lock and token `.not-a-file-*`, logs `.not-a-dir-*`, daemon.json `.corrupt-*`,
// a newer Clawback's state.json `.v<N>-*`) and the outbox's unreadable alerts (`*.corrupt`) piled up for ever (25 of
// each, 40 days old, all kept). Each kind is now aged and bounded as the others: the newest `keep` stay, older go.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sweepState } from '../../src/daemon/state-retention.js';
import { moveAsideNonDir, moveAsideNonFile } from '../../src/platform/private-dir.js';

const DAY = 86_400_000;
let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function age(p: string, ms: number): void {
  const t = new Date(ms);
  utimesSync(p, t, t);
}

describe('retention of the daemon’s own evidence copies', () => {
  it('every kind of copy kept in the state dir and the outbox is bounded, not only state.json.corrupt-*', () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-own-evidence-'));
    const now = Date.now();
    const old = now - 40 * DAY;
    const channel = path.join(dir, 'outbox', 'ops');
    mkdirSync(path.join(channel, 'dead'), { recursive: true });
    for (let i = 0; i < 25; i++) {
      const at = old + i * 1000;
      // Moved aside for real, as the daemon does: a directory in daemon.lock's place, a FIFO in the token's, a file in logs'.
      mkdirSync(path.join(dir, 'daemon.lock'));
      age(moveAsideNonFile(path.join(dir, 'daemon.lock'), at)!.keptAs, at);
      execFileSync('mkfifo', [path.join(dir, 'token')]);
      age(moveAsideNonFile(path.join(dir, 'token'), at)!.keptAs, at);
      writeFileSync(path.join(dir, 'logs'), 'x');
      age(moveAsideNonDir(path.join(dir, 'logs'), at)!, at);
      mkdirSync(path.join(dir, 'daemon.json'));
      age(moveAsideNonFile(path.join(dir, 'daemon.json'), at, 'corrupt')!.keptAs, at);
      for (const name of [`state.json.corrupt-${i}`, `state.json.v9-${i}`, path.join('outbox', 'ops', `${i}.json.corrupt`), path.join('outbox', 'ops', 'dead', `${i}.json.corrupt`)]) {
        writeFileSync(path.join(dir, name), '{"torn');
        age(path.join(dir, name), at);
      }
    }
    // Not the sweep's: a person's file in the state dir, and a pending alert.
    writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    age(path.join(dir, 'notes.txt'), old);
    writeFileSync(path.join(channel, '000001.json'), '{}');
    age(path.join(channel, '000001.json'), old);

    return sweepState(dir, now, new Set(), { keep: 20, maxAgeMs: 30 * DAY }).then((removed) => {
      expect(removed).toHaveLength(8 * 5);
      const count = (where: string, prefix: string): number => readdirSync(path.join(dir!, where)).filter((n) => n.startsWith(prefix) || (prefix === '*.corrupt' && n.endsWith('.corrupt'))).length;
      for (const prefix of ['daemon.lock.not-a-file-', 'token.not-a-file-', 'logs.not-a-dir-', 'daemon.json.corrupt-', 'state.json.corrupt-', 'state.json.v9-']) expect(count('.', prefix), prefix).toBe(20);
      expect(count('outbox/ops', '*.corrupt')).toBe(20);
      expect(count('outbox/ops/dead', '*.corrupt')).toBe(20);
      expect(readdirSync(dir!)).toContain('notes.txt');
      expect(readdirSync(channel)).toContain('000001.json');
    });
  });
});
