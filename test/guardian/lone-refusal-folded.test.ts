// A cause the state directory's filesystem refused only one write for was not folded (the fold wanted two of one
// code): a full disk that refused only daemon.out.log's rotation stood in the guardian's report as "rotating
// …/logs/daemon.out.log failed: no room to rotate … (1500000 bytes): 0 bytes free", a plain error line with no advice,
// beside another cause's folded line. Every cause is one line, a lone refusal too ("1 write of this pass was refused").
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { rotateOwnLogs } from '../../src/daemon/guardian-logs.js';
import { foldDiskRefusals, pushError, type RefusalReport } from '../../src/daemon/disk-refusal-fold.js';
import { mountSmallDisk } from '../helpers/tmpfs.js';

const cleanup: Array<() => void> = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

describe('guardian: a lone refusal of a cause', () => {
  it('a full disk that refused only one rotation is said as its cause, in one line, with what to do', async () => {
    const disk = mountSmallDisk('4m');
    cleanup.push(() => disk.unmount());
    const stateDir = path.join(disk.dir, 'state');
    mkdirSync(path.join(stateDir, 'logs'), { recursive: true });
    writeFileSync(path.join(stateDir, 'logs', 'daemon.out.log'), ('x'.repeat(99) + '\n').repeat(15_000));
    disk.fill(0);
    const rotation = await rotateOwnLogs(stateDir, { maxBytes: 1024 * 1024, keep: 2 });
    expect(rotation.errors).toHaveLength(1);
    const report: RefusalReport = { errors: ['no human was told: no notification channels are configured (notify.channels)'] };
    for (const e of rotation.errors) pushError(report, stateDir, e.err, e.line, { so: 'not rotated', file: e.file });
    const folded = foldDiskRefusals(report, stateDir);
    disk.free();
    expect(folded.errors).toHaveLength(2);
    expect(folded.errors[0]).toBe('no human was told: no notification channels are configured (notify.channels)');
    expect(folded.errors[1]).toMatch(/^the state directory .* is on a full file system \(ENOSPC\) \(its filesystem has .* free of 4\.0 MiB\): 1 write of this pass was refused \(logs\/daemon\.out\.log\); so: logs\/daemon\.out\.log: not rotated; to do: free space on its file system$/);
    expect(folded.errors[1]).toContain(`the state directory ${stateDir} `);
    expect(folded.refusedWrites).toEqual([rotation.errors[0]!.line]);
    expect(folded.refusedWrites![0]).toMatch(/^rotating .*daemon\.out\.log failed: no room to rotate/);
    // Each refused write said once: word for word in refusedWrites, as data (no copy of the line) in diskRefusals.
    expect(folded.diskRefusals).toEqual([expect.objectContaining({ code: 'ENOSPC', file: 'logs/daemon.out.log', so: 'not rotated' })]);
    expect(folded.diskRefusals!.filter((r) => 'line' in r)).toEqual([]);
  });
});
