// A Level 3 run's `agent.finished` says how long the agent ran, and a file that only gained its final newline is one
// changed last line in the journaled diff, not an extra empty-line entry.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentBed } from './agent-bed.js';
import { makeScenario } from './scenario.js';

const bed = agentBed('ranfor');

describe('Level 3: agent.finished', () => {
  it('carries durationMs and says it; a final newline added is "- b (no newline at end of file)", "+ b"', async () => {
    const s = bed.track(await makeScenario());
    const notes = path.join(s.dir, 'notes.txt');
    await fs.writeFile(notes, 'a\nb');
    await s.host.start();
    const out = await bed.tempDir('clawback-ranfor-');
    const agent = path.join(out, 'agent.sh');
    await fs.writeFile(agent, `printf '\\n' >> '${notes}'\necho added a newline\n`);
    const r = await s.run(
      { adapter: 'command', command: ['sh', agent], timeBox: '20s', verifyWindow: '500ms' },
      { adapterOptions: { cli: { tmux: false, env: { PATH: process.env.PATH ?? '', CLAWBACK_TEST_CHILD: '1' } } } },
      'inc-ranfor',
    );
    expect(r.outcome).toBe('failed');
    expect(await fs.readFile(notes, 'utf8')).toBe('a\nb');
    const finished = s.events.find((e) => e.type === 'agent.finished')!;
    expect(finished).toBeDefined();
    const ms = finished.details?.durationMs;
    expect(typeof ms).toBe('number');
    expect(ms as number).toBeGreaterThanOrEqual(0);
    expect(finished.message).toMatch(/the agent ran \d/);
    expect(finished.details?.diff).toEqual([`${notes}: modified (+1 -1)`, '  - b (no newline at end of file)', '  + b']);
  }, 60_000);
});
