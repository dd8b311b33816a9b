// A failed run that put a directory where a file was: the revert puts the file back (or says why not), reverts the rest and journals its verdict.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { emergencySchema } from '../../src/emergency/emergency-schema.js';
import { finishAgentSession, runAgentSession } from '../../src/emergency/run-emergency.js';
import type { AgentAdapter, AgentSession } from '../../src/emergency/agent-adapter.js';
import { systemClock } from '../../src/platform/clock.js';
import { makeScenario, type Scenario } from './scenario.js';

let scenario: Scenario | undefined;
afterEach(async () => {
  await scenario?.cleanup();
  scenario = undefined;
});

function failingAgent(work: (session: AgentSession) => Promise<void>): AgentAdapter {
  return {
    name: 'command',
    async run(session) {
      session.onStarted({ handle: 'stand-in' });
      await work(session);
      return { status: 'failed', exitCode: 1, summary: 'gave up', transcript: '', refused: [] };
    },
  };
}

/** a.txt (0640) becomes a directory holding one file; z.txt is edited. `after` runs once the agent has ended. */
async function run(after: (dir: string) => Promise<void> = async () => {}) {
  scenario = await makeScenario();
  const s = scenario;
  const a = path.join(s.dir, 'a.txt');
  const z = path.join(s.dir, 'z.txt');
  await fs.writeFile(a, 'a before\n', { mode: 0o640 });
  await fs.chmod(a, 0o640);
  await fs.writeFile(z, 'z before\n');
  const incident = s.incident();
  const agent = failingAgent(async () => {
    await fs.rm(a);
    await fs.mkdir(a);
    await fs.writeFile(path.join(a, 'inside.txt'), 'the agent wrote this\n');
    await fs.writeFile(z, 'z by the agent\n');
  });
  const r = await runAgentSession({
    incident,
    service: s.service,
    config: emergencySchema.parse({ adapter: 'command', command: ['unused'], timeBox: '20s', verifyWindow: '1s' }),
    host: s.host,
    clock: systemClock(),
    redactor: s.redactor,
    stateDir: s.stateDir,
    emit: (e) => s.events.push(e),
    adapters: { command: agent },
  });
  expect(r.outcome).toBe('failed');
  await after(s.dir);
  const fin = await finishAgentSession({ stateDir: s.stateDir, serviceName: s.service.name, incidentId: incident.id, keep: false, reason: r.detail, redactor: s.redactor, clock: systemClock(), emit: (e) => s.events.push(e) });
  return { s, a, z, fin, afterDir: path.join(s.stateDir, 'incidents', incident.id, 'after') };
}

it('the directory the run made (and its file) are removed, the file put back with its bytes and mode, the evidence kept', { timeout: 30_000 }, async () => {
  const { s, a, z, fin, afterDir } = await run();
  expect((await fs.lstat(a)).isFile()).toBe(true);
  expect(await fs.readFile(a, 'utf8')).toBe('a before\n');
  expect((await fs.stat(a)).mode & 0o777).toBe(0o640);
  expect(await fs.readFile(z, 'utf8')).toBe('z before\n');
  expect(fin.revertedFiles.sort()).toEqual([a, path.join(a, 'inside.txt'), z].sort());
  const manifest = JSON.parse(await fs.readFile(path.join(afterDir, 'manifest.json'), 'utf8')) as { evidence: Array<{ path: string; copy: string | null }> };
  const inside = manifest.evidence.find((e) => e.path === path.join(a, 'inside.txt'))!;
  expect(await fs.readFile(path.join(afterDir, inside.copy!), 'utf8')).toBe('the agent wrote this\n');
  expect(s.events.find((e) => e.type === 'agent.finished')?.message).toContain('3 file(s) reverted');
});

it('a directory in the file\'s place that holds someone else\'s file is left and reported; the other files are still put back and the verdict journaled', { timeout: 30_000 }, async () => {
  const { s, a, z, fin } = await run((dir) => fs.writeFile(path.join(dir, 'a.txt', 'later.txt'), 'written after the agent ended\n'));
  expect(await fs.readFile(path.join(a, 'later.txt'), 'utf8')).toBe('written after the agent ended\n');
  expect(await fs.readFile(z, 'utf8')).toBe('z before\n');
  expect(fin.revertedFiles).toContain(z);
  const ev = s.events.find((e) => e.type === 'agent.finished');
  expect(ev?.message).toContain(`${a} (a directory was put in its place and still holds files`);
});
