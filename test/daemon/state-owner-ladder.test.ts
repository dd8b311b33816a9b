// The supervised gateway exits 78 while another OpenClaw process owns its state dir (gateway.state.lock): the ladder
// spent its own doctor (`openclaw doctor --fix`, which fails the same way) and then the Level 3 agent on it. Now the
// preflight names the owner before any start and the incident goes to a person at once, the owner left running (real
// processes and lock).
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { isAlive } from '../../src/platform/proc.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

let td: TestDaemon | undefined;
const children: MarkedChild[] = [];
afterEach(async () => {
  await td?.stop();
  td = undefined;
  for (const c of children.splice(0)) {
    c.kill();
    await c.waitForExit(5000).catch(() => undefined);
  }
});

describe('another OpenClaw process owns the state dir', () => {
  it('Level 2 names it and hands it to a person: no own doctor run, no agent run, the owner untouched', { timeout: 90_000 }, async () => {
    const dir = tempDir();
    const ocState = path.join(dir, 'oc-state');
    const lockDir = path.join(ocState, 'tmp', `openclaw-${process.getuid?.() ?? 0}`);
    mkdirSync(lockDir, { recursive: true });
    const lockFile = path.join(lockDir, 'gateway.state.lock');
    const owner = spawnMarked(NODE, [path.join(FIXTURES, 'hold-state-lock.mjs'), lockFile, ocState]);
    children.push(owner);
    const port = Number(/ready (\d+)/.exec(await owner.waitForStdout(/ready \d+/, 20_000))![1]);

    const doctorMark = path.join(dir, 'own-doctor-ran');
    const agentMark = path.join(dir, 'agent-ran');
    const mark = (file: string): string[] => [NODE, '-e', `require('node:fs').writeFileSync(${JSON.stringify(file)}, 'ran')`];
    td = await startTestDaemon({
      services: [
        {
          name: 'gw',
          // What the gateway does against another owner of its state dir (measured, 2026.9.6): exit 78 at once.
          command: [NODE, '-e', "console.error('another OpenClaw process owns gateway-lifecycle'); process.exit(78)"],
          restart: { preventExitCodes: [78] },
          lockFiles: [path.join(ocState, 'tmp', 'openclaw-*', 'gateway.*.lock')],
          doctor: { command: mark(doctorMark) },
          emergency: { adapter: 'command', command: mark(agentMark), timeBox: '30s', verifyWindow: '1s', budget: { runs: 1, window: '24h' } },
        },
      ],
    });
    const escalated = await waitFor(() => td!.events.find((e) => e.type === 'incident.escalated'), { timeoutMs: 60_000, message: 'Level 4' });
    expect(escalated.message).toContain('a person must fix it');
    expect(escalated.message).toContain(`pid ${owner.pid}, port ${port}`);
    expect(td.events.filter((e) => e.type === 'agent.started')).toHaveLength(0);
    expect(existsSync(doctorMark)).toBe(false);
    expect(existsSync(agentMark)).toBe(false);
    expect(isAlive(owner.pid)).toBe(true);
    // Found before any start (the preflight reads the lock): the gateway is never started into it, and the hold names the owner.
    expect(escalated.message).toContain('another OpenClaw gateway owns the state dir');
    expect(td.events.filter((e) => e.type === 'service.started' && e.service === 'gw')).toHaveLength(0);
    expect(td.daemon.runtimes.get('gw')!.status().held?.reason).toBe('preflight');
  });
});
