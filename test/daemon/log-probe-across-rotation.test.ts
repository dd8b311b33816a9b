// The daemon rotates a service's log by copy-truncate every 2 s: a fatal line written between two log probe ticks and
// moved to file.1 by a rotation must still be scanned, whether the live file is shorter or already longer afterwards.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanup.length) await Promise.resolve(cleanup.pop()!()).catch(() => undefined);
});

const MAX = 4096;

/**
 * A service that writes 3000 bytes of filler, then on a trigger file prints FATAL-<tag> plus filler past logs.maxBytes
 * (rotated within 2 s); `after` is the filler written once it sees its log shrink (the rotation), then it idles.
 */
function script(trigger: string, tag: string, after: number, exit: boolean): string {
  return [
    "const fs=require('fs'); const fill=(n)=>{let s='';while(s.length<n)s+='filler '.repeat(9)+'\\n';process.stdout.write(s.slice(0,n-1)+'\\n');};",
    'fill(3000);',
    `const t=setInterval(()=>{ if(!fs.existsSync(${JSON.stringify(trigger)})) return; clearInterval(t); fs.rmSync(${JSON.stringify(trigger)});`,
    `process.stdout.write('FATAL-${tag} the gateway lost its database\\n'); fill(${MAX});`,
    `const w=setInterval(()=>{ if(fs.fstatSync(1).size>=${MAX}) return; clearInterval(w); fill(${after});${exit ? ' process.exit(1);' : ''} }, 20); }, 20);`,
    'setInterval(()=>{}, 1e9);',
  ].join(' ');
}

async function run(tag: string, after: number, exit = false): Promise<void> {
  const trigger = path.join('/tmp', `clawback-rot-trigger-${process.pid}-${tag}`);
  rmSync(trigger, { force: true });
  const t: TestDaemon = await startTestDaemon({
    services: [
      {
        name: 'svc',
        command: [NODE, '-e', script(trigger, tag, after, exit)],
        restart: { backoff: { initial: '300ms', jitter: 0 } },
        logs: { maxBytes: MAX, keep: 2 },
        probes: [{ kind: 'log', name: 'fatal', pattern: 'FATAL-', interval: '5s', startupGrace: '0s' }],
      },
    ],
  });
  cleanup.push(() => rmSync(t.dir, { recursive: true, force: true }));
  cleanup.push(() => rmSync(trigger, { force: true }));
  cleanup.push(() => t.stop());
  const rt = t.daemon.runtimes.get('svc')!;
  const checkedAt = (): number => rt.status().probes[0]?.lastCheckedAt ?? 0;
  // Right after a tick that read the filler, the fatal line is written: the rotation (every 2 s) moves it before the next tick.
  await waitFor(() => checkedAt() > 0 && (rt.status().probes[0]?.lastResult?.message ?? '').includes('new bytes'), { timeoutMs: 20_000, message: 'a tick that read the filler' });
  const before = checkedAt();
  await waitFor(() => checkedAt() > before, { timeoutMs: 20_000, message: 'the next tick' });
  const tick = checkedAt();
  writeFileSync(trigger, '');
  const rotated = path.join(t.stateDir, 'logs', 'svc.log.1');
  await waitFor(() => existsSync(rotated) && readFileSync(rotated, 'utf8').includes(`FATAL-${tag}`), { timeoutMs: 10_000, message: 'the fatal line rotated into svc.log.1' });
  expect(checkedAt()).toBe(tick); // no tick read it before the rotation moved it
  if (exit) {
    // Its last words, read at the exit: moved to svc.log.1 by a rotation while the instance still ran.
    const found = await waitFor(() => t.events.find((e) => e.type === 'probe.failed' && e.message.includes(`FATAL-${tag}`)), { timeoutMs: 10_000, message: `a probe.failed quoting FATAL-${tag}` });
    expect(found.details?.['atExit']).toBe(true);
    return;
  }
  await waitFor(() => checkedAt() > tick, { timeoutMs: 20_000, message: 'the tick after the rotation' });
  const found = await waitFor(() => t.events.find((e) => e.type === 'probe.failed' && e.message.includes(`FATAL-${tag}`)), { timeoutMs: 2_000, message: `a probe.failed quoting FATAL-${tag}` });
  expect(found.details?.['probe']).toBe('fatal');
}

describe('the log probe across the daemon rotating the log', () => {
  it('scans the lines moved to file.1 when the live file is shorter after the rotation', async () => {
    await run('short', 100);
  }, 60_000);

  it('notices the rotation when the service wrote past the old offset before the next tick', async () => {
    await run('long', 3900);
  }, 60_000);

  it("reads an instance's last words at its exit when a rotation moved them to file.1 first", async () => {
    await run('exit', 100, true);
  }, 60_000);
});
