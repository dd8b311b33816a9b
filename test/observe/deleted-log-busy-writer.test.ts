// A log deleted under a service that keeps writing: moving it back (reclaimDeletedLog) must not lose the lines the
// service wrote while the move copied (copy-then-truncate lost every one of them).
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm, unlink } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reclaimDeletedLog } from '../../src/observe/deleted-log.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'clawback-deleted-busy-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const until = async (what: () => Promise<boolean>): Promise<void> => {
  for (let i = 0; i < 600 && !(await what()); i++) await new Promise((r) => setTimeout(r, 50));
};

describe.runIf(process.platform === 'linux')('deleted log moved back while the service writes', () => {
  it('keeps the lines written during the move', async () => {
    const file = path.join(dir, 'svc.log');
    const fd = openSync(file, 'a');
    // The service: 8 MiB of earlier output (the move copies it for a while), then a numbered line every millisecond.
    const script = `const fs=require('fs');const pad='p'.repeat(1023)+'\\n';for(let k=0;k<8192;k++)fs.writeSync(1,pad);let i=0;setInterval(()=>fs.writeSync(1,'line '+(i++)+'\\n'),1)`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', fd, 'ignore'] });
    closeSync(fd);
    const unlinked = `/proc/${child.pid}/fd/1`;
    try {
      await until(async () => (await readFile(file, 'utf8').catch(() => '')).includes('line 20\n'));
      await unlink(file);
      expect(await reclaimDeletedLog(child.pid!, file, 64 * 1024 * 1024)).toMatchObject({ dropped: 0 });
      // Later lines land in the unlinked file again: wait for a few, then stop the service and read both.
      await until(async () => /line \d+\n/.test(await readFile(unlinked, 'utf8').catch(() => '')));
      child.kill('SIGSTOP');
      const all = (await readFile(file, 'utf8')) + (await readFile(unlinked, 'utf8'));
      const nums = all.split('\n').filter((l) => l.startsWith('line ')).map((l) => Number(l.slice(5)));
      const max = Math.max(...nums);
      const lost = max + 1 - new Set(nums).size;
      // The window left (fstat, read, truncate with no await between) is microseconds: at most one line in it.
      expect(lost).toBeLessThanOrEqual(1);
      expect(nums.length).toBe(new Set(nums).size);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
