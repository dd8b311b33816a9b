// A Level 3 run that waits for another service's agent run in the same cwd waits as long as that run's own time box
// allows, not a fixed few tries (~1 min with a short doctor timeout; ~3 min by default, a third of the default time box).
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

it("a run waiting for another agent run in its cwd starts once that run ends, however many tries that takes", { timeout: 300_000 }, async () => {
  const dir = tempDir();
  const flag = path.join(dir, 'a-agent-started');
  // a: runs only once ok-a exists. b: healthy until a's agent is at work, then fails (exit 78) until ok-b exists.
  const svcA = path.join(dir, 'a.mjs');
  writeFileSync(svcA, `import { existsSync } from 'node:fs';\nif (!existsSync(process.argv[2])) process.exit(78);\nsetInterval(() => {}, 1000);\n`);
  const svcB = path.join(dir, 'b.mjs');
  writeFileSync(svcB, `import { existsSync } from 'node:fs';\nconst bad = () => existsSync(${JSON.stringify(flag)}) && !existsSync(process.argv[2]);\nif (bad()) process.exit(78);\nsetInterval(() => { if (bad()) process.exit(78); }, 200);\n`);
  // a's agent says it started, then works for 75 s (inside its 150 s time box), then fixes a. b's fixes b at once.
  const slowFixer = path.join(dir, 'slow-fixer.mjs');
  writeFileSync(slowFixer, `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(flag)}, '1');\nsetTimeout(() => writeFileSync(process.argv[2], 'fixed\\n'), 75_000);\n`);
  const fixer = path.join(dir, 'fixer.mjs');
  writeFileSync(fixer, `import { writeFileSync } from 'node:fs';\nwriteFileSync(process.argv[2], 'fixed\\n');\n`);
  const okA = path.join(dir, 'ok-a');
  const okB = path.join(dir, 'ok-b');
  const service = (name: string, command: string[], agent: string[]) => ({
    name,
    command,
    cwd: dir,
    // The shortest wait a try allows (doctor.timeout + 15 s): 4 tries cover ~60 s, less than a's run.
    doctor: { attempts: 0, timeout: '1s' },
    emergency: { adapter: 'command', command: agent, timeBox: '150s', verifyWindow: '1s' },
  });
  daemon = await startTestDaemon({ services: [service('a', [NODE, svcA, okA], [NODE, slowFixer, okA]), service('b', [NODE, svcB, okB], [NODE, fixer, okB])] }, { dir });
  const finished = (svcName: string) => daemon!.events.find((e) => e.type === 'agent.finished' && e.service === svcName);
  const human = () => daemon!.events.find((e) => e.service === 'b' && e.type === 'incident.escalated' && /never started|Level 4|human/i.test(e.message));
  await waitFor(() => daemon!.events.find((e) => e.service === 'b' && (e.details as { action?: string } | undefined)?.action === 'agent-waits-agent'), { timeoutMs: 120_000 });
  await waitFor(() => finished('b') ?? human(), { timeoutMs: 270_000 });
  expect(human()?.message ?? 'no Level 4').toBe('no Level 4');
  expect(finished('b')!.message).not.toMatch(/never started/);
  expect(finished('a')).toBeDefined();
  expect(existsSync(okB) ? readFileSync(okB, 'utf8') : 'gone').toBe('fixed\n');
});
