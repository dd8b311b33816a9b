// Two services sharing a working directory: the second service's agent waits for the first run's verdict (its
// verification and revert), not only for the first agent's end, so it never sees nor brings back the first run's
// unverified changes.
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

it("a second service's agent in the same cwd starts only after the first run's changes were judged (kept or reverted)", { timeout: 180_000 }, async () => {
  const dir = tempDir();
  // a fails at once; b a little later, so a's run comes first. Neither agent fixes its service: each run is reverted.
  const svc = path.join(dir, 'svc.mjs');
  writeFileSync(svc, `import { existsSync } from 'node:fs';\nif (!existsSync(process.argv[2])) setTimeout(() => process.exit(78), Number(process.argv[3]));\nelse setInterval(() => {}, 1000);\n`);
  // a's agent: an unverified edit in the shared cwd, then a clean finish (verified next, which fails: reverted).
  const editor = path.join(dir, 'editor.mjs');
  writeFileSync(editor, `import { writeFileSync } from 'node:fs';\nwriteFileSync(process.argv[2], 'unverified\\n');\n`);
  // b's agent: notes whether a's edit is there as it starts, works a while, fixes nothing.
  const seen = path.join(tempDir(), 'b-saw');
  const looker = path.join(dir, 'looker.mjs');
  writeFileSync(looker, `import { existsSync, readFileSync, writeFileSync } from 'node:fs';\nwriteFileSync(process.argv[3], existsSync(process.argv[2]) ? 'a-edit there' : 'clean');\nsetTimeout(() => process.exit(1), 4000);\n`);
  const aEdit = path.join(dir, 'a-edit');
  const service = (name: string, delayMs: number, agent: string[]) => ({
    name,
    command: [NODE, svc, path.join(dir, `ok-${name}`), String(delayMs)],
    cwd: dir,
    doctor: { attempts: 0 },
    emergency: { adapter: 'command', command: agent, timeBox: '60s', verifyWindow: '3s' },
  });
  daemon = await startTestDaemon({ services: [service('a', 0, [NODE, editor, aEdit]), service('b', 1500, [NODE, looker, aEdit, seen])] }, { dir });
  const ev = (type: string, name: string) => daemon!.events.findIndex((e) => e.type === type && e.service === name);
  await waitFor(() => ev('agent.finished', 'a') >= 0 && ev('agent.finished', 'b') >= 0, { timeoutMs: 170_000 });
  const order = { aStarted: ev('agent.started', 'a'), aJudged: ev('agent.finished', 'a'), bStarted: ev('agent.started', 'b'), bJudged: ev('agent.finished', 'b') };
  // Whichever ran first was judged before the other's agent started.
  if (order.aStarted < order.bStarted) expect(order.aJudged).toBeLessThan(order.bStarted);
  else expect(order.bJudged).toBeLessThan(order.aStarted);
  expect(existsSync(seen) ? readFileSync(seen, 'utf8') : 'b never ran').toBe('clean');
  // a's unverified edit is gone for good: no later revert put it back.
  expect(existsSync(aEdit)).toBe(false);
});
