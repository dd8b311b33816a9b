// A log deleted under its running service and moved back by the daemon (reclaimDeletedLog): lines the log probe had
// already read are not reported a second time; lines written after the deletion still are.
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm, unlink } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeSchema, type ProbeConfigOf } from '../../src/probes/probe-schema.js';
import { createLogProbe } from '../../src/probes/log-probe.js';
import { reclaimDeletedLog } from '../../src/observe/deleted-log.js';
import type { ProbeTarget } from '../../src/probes/probe-types.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'clawback-log-deleted-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const signal = (): AbortSignal => AbortSignal.timeout(5000);
const until = async (what: () => Promise<boolean>): Promise<void> => {
  for (let i = 0; i < 300 && !(await what()); i++) await new Promise((r) => setTimeout(r, 50));
};

describe.runIf(process.platform === 'linux')('log probe: a deleted log moved back by the daemon', () => {
  it('reports the old fatal line once, and a new one after the move', async () => {
    const file = path.join(dir, 'svc.log');
    const go = path.join(dir, 'go');
    const fd = openSync(file, 'a');
    // The service: a fatal line at once, a second one when told (the file `go` exists), then it idles.
    const script = `const fs=require('fs');console.log('12:00:01 FATAL: first');const t=setInterval(()=>{if(fs.existsSync(${JSON.stringify(go)})){clearInterval(t);console.log('12:00:09 FATAL: second')}},20);setTimeout(()=>{},60000)`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', fd, 'ignore'] });
    closeSync(fd);
    try {
      await until(async () => (await readFile(file, 'utf8')).includes('first'));
      const target: ProbeTarget = { pid: child.pid, startedAt: 1, logFile: file, logStartOffset: 0 };
      const p = createLogProbe(probeSchema.parse({ kind: 'log', pattern: 'FATAL', finding: 'crash' }) as ProbeConfigOf<'log'>);
      expect(await p.check(target, signal())).toMatchObject({ status: 'failure', details: { line: '12:00:01 FATAL: first' } });
      await unlink(file);
      expect(await reclaimDeletedLog(child.pid!, file, 4096)).toMatchObject({ dropped: 0 });
      expect(await p.check(target, signal())).toMatchObject({ status: 'success' });
      await rm(file);
      await import('node:fs/promises').then((f) => f.writeFile(go, ''));
      // The line in the unlinked file first: a move racing the write loses it (the copy-truncate window, deleted-log.ts).
      await until(async () => (await readFile(`/proc/${child.pid}/fd/1`, 'utf8').catch(() => '')).includes('second'));
      let moved = false;
      await until(async () => (moved = ((await reclaimDeletedLog(child.pid!, file, 4096))?.moved ?? 0) > 0 || moved) && (await readFile(file, 'utf8').catch(() => '')).includes('second'));
      expect(await p.check(target, signal())).toMatchObject({ status: 'failure', value: 1, details: { line: '12:00:09 FATAL: second' } });
    } finally {
      child.kill();
    }
  });
});
