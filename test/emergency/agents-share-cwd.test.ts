// Two services that share a working directory fail at once with Level 3 on both: one agent's revert must not undo
// the other's fix (each run snapshots the whole cwd, so runs over one directory take turns).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

let daemon: TestDaemon | undefined;
afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
});

it("a failed agent run of one service does not revert the fix another service's agent made in the same cwd", { timeout: 180_000 }, async () => {
  const dir = tempDir();
  // The service: runs only once its own marker file exists, else exits 78 (fix the config first).
  const svc = path.join(dir, 'svc.mjs');
  writeFileSync(svc, `import { existsSync } from 'node:fs';\nif (!existsSync(process.argv[2])) process.exit(78);\nsetInterval(() => {}, 1000);\n`);
  // b's agent fixes b at once; a's agent takes a while and fixes nothing (a failed run, reverted).
  const fixer = path.join(dir, 'fixer.mjs');
  writeFileSync(fixer, `import { writeFileSync } from 'node:fs';\nwriteFileSync(process.argv[2], 'fixed\\n');\n`);
  const slow = path.join(dir, 'slow.mjs');
  writeFileSync(slow, `setTimeout(() => {}, 6000);\n`);
  const okB = path.join(dir, 'ok-b');
  const service = (name: string, agent: string[]) => ({
    name,
    command: [NODE, svc, path.join(dir, `ok-${name}`)],
    cwd: dir,
    doctor: { attempts: 0 },
    emergency: { adapter: 'command', command: agent, timeBox: '60s', verifyWindow: '1s' },
  });
  daemon = await startTestDaemon({ services: [service('a', [NODE, slow]), service('b', [NODE, fixer, okB])] }, { dir });
  const finished = (svcName: string) => daemon!.events.find((e) => e.type === 'agent.finished' && e.service === svcName);
  await waitFor(() => finished('a'), { timeoutMs: 150_000 });
  await waitFor(() => finished('b'), { timeoutMs: 150_000 });
  await waitFor(() => daemon!.events.find((e) => e.service === 'a' && /Level 4|human/i.test(e.message)), { timeoutMs: 60_000 }).catch(() => undefined);
  const aFinished = finished('a')!;
  expect(JSON.stringify(aFinished.details ?? {})).not.toContain('ok-b');
  expect(existsSync(okB) ? readFileSync(okB, 'utf8') : 'gone').toBe('fixed\n');
});
