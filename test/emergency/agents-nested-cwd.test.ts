// Two services whose working directories nest (a's cwd holds b's) fail at once with Level 3 on both: a's run
// snapshots its whole cwd, b's files too, so a failed run of a must not put back the fix b's agent made meanwhile.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

let daemon: TestDaemon | undefined;
afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
});

it("a failed agent run in a parent cwd does not revert the fix another service's agent made in a cwd inside it", { timeout: 180_000 }, async () => {
  const dir = tempDir();
  const sub = path.join(dir, 'sub');
  mkdirSync(sub);
  // The service: runs only once its own marker file exists, else exits 78 (fix the config first).
  const svc = path.join(dir, 'svc.mjs');
  writeFileSync(svc, `import { existsSync } from 'node:fs';\nif (!existsSync(process.argv[2])) process.exit(78);\nsetInterval(() => {}, 1000);\n`);
  // b's agent fixes b at once; a's agent takes a while and fixes nothing (a failed run, reverted).
  const fixer = path.join(dir, 'fixer.mjs');
  writeFileSync(fixer, `import { writeFileSync } from 'node:fs';\nwriteFileSync(process.argv[2], 'fixed\\n');\n`);
  const slow = path.join(dir, 'slow.mjs');
  writeFileSync(slow, `setTimeout(() => {}, 6000);\n`);
  const okB = path.join(sub, 'ok-b');
  const service = (name: string, cwd: string, agent: string[]) => ({
    name,
    command: [NODE, svc, path.join(cwd, `ok-${name}`)],
    cwd,
    doctor: { attempts: 0 },
    emergency: { adapter: 'command', command: agent, timeBox: '60s', verifyWindow: '1s' },
  });
  daemon = await startTestDaemon({ services: [service('a', dir, [NODE, slow]), service('b', sub, [NODE, fixer, okB])] }, { dir });
  const finished = (svcName: string) => daemon!.events.find((e) => e.type === 'agent.finished' && e.service === svcName);
  await waitFor(() => finished('a'), { timeoutMs: 150_000 });
  await waitFor(() => finished('b'), { timeoutMs: 150_000 });
  await waitFor(() => daemon!.events.find((e) => e.service === 'a' && /Level 4|human/i.test(e.message)), { timeoutMs: 60_000 }).catch(() => undefined);
  expect(JSON.stringify(finished('a')!.details ?? {})).not.toContain('ok-b');
  expect(existsSync(okB) ? readFileSync(okB, 'utf8') : 'gone').toBe('fixed\n');
});
