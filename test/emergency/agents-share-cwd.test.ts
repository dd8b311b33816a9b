// Two services that share a working directory, or whose directories nest (a's cwd holds b's), fail at once with
// Level 3 on both: one agent's revert must not undo the other's fix (each run snapshots its whole cwd, so runs over
// one directory tree take turns).
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

it.each([
  { where: 'the same cwd', bDir: (dir: string) => dir },
  { where: 'a cwd inside the failed run\'s (nested)', bDir: (dir: string) => path.join(dir, 'sub') },
])("a failed agent run of one service does not revert the fix another service's agent made in $where", { timeout: 180_000 }, async ({ bDir }) => {
  const dir = tempDir();
  const sub = bDir(dir);
  mkdirSync(sub, { recursive: true });
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
