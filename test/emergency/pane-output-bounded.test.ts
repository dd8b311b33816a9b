// A CLI agent that floods its tmux pane (`yes` as fast as the machine goes): the pane's output on disk stays within two
// generations of the cap at any rate (the pane writer rotates itself), the agent's last words are kept, and the
// transcript says how many bytes were cut. The flood runs on a small tmpfs of its own.
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeScenario, type Scenario } from './scenario.js';
import { mountSmallDisk, type SmallDisk } from '../helpers/tmpfs.js';
import { OUTPUT_CAP, PANE_WRITER, PaneOutputFiles } from '../../src/emergency/output-cap.js';
import { agentBed } from './agent-bed.js';

const bed = agentBed('pane-bounded');
let disk: SmallDisk;
let scenario: Scenario | undefined;
beforeAll(() => {
  disk = mountSmallDisk('48m');
});
afterEach(async () => {
  await scenario?.cleanup();
  scenario = undefined;
});
afterAll(() => {
  disk?.free();
  disk?.unmount();
});

/** Bytes of the pane's output files (the base and its generations) in dir, together. */
async function rawBytes(dir: string): Promise<number> {
  let total = 0;
  for (const n of await fs.readdir(dir).catch(() => [] as string[])) if (/^agent-output\.raw(\.\d+)?$/.test(n)) total += (await fs.stat(path.join(dir, n)).catch(() => ({ size: 0 }))).size;
  return total;
}

describe('a flooding agent in tmux', () => {
  it('keeps at most two generations of the cap on disk while `yes` floods, keeps the last words and says what was cut', async () => {
    scenario = await makeScenario({ base: disk.dir });
    const s = scenario;
    await s.host.start();
    const incidentId = 'inc-yes-flood';
    const dir = path.join(s.stateDir, 'incidents', incidentId);
    const agent = path.join(s.dir, 'agent.sh');
    // 30 MB as fast as a pipe goes, then the last words.
    await fs.writeFile(agent, 'yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c 30000000\necho LAST-WORDS-OF-THE-AGENT\nexit 1\n');
    let maxRaw = 0;
    let watching = true;
    const watch = (async () => {
      for (let i = 0; watching && i < 20_000; i++) {
        maxRaw = Math.max(maxRaw, await rawBytes(dir));
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const r = await s.run(
      { adapter: 'command', command: ['sh', agent], timeBox: '60s', verifyWindow: '300ms' },
      { adapterOptions: { cli: { tmux: { socket: bed.socket }, env: { PATH: process.env.PATH ?? '', CLAWBACK_TEST_CHILD: '1' } } } },
      incidentId,
    );
    watching = false;
    await watch;
    expect(r.outcome).toBe('failed');
    // Two generations of the cap each, at most, whatever the rate.
    expect(maxRaw).toBeGreaterThan(0);
    expect(maxRaw).toBeLessThanOrEqual(2 * OUTPUT_CAP);
    const transcript = await fs.readFile(r.transcriptPath!, 'utf8');
    expect(transcript).toContain('LAST-WORDS-OF-THE-AGENT');
    const cut = /(\d+) bytes of earlier output cut/.exec(transcript);
    expect(cut, 'the transcript says how many bytes were cut').not.toBeNull();
    // Over 30 MB went through the pane (the terminal adds its own bytes); the transcript keeps the last ~2 MB.
    expect(Number(cut![1])).toBeGreaterThan(25_000_000);
    expect(transcript.length).toBeLessThan(OUTPUT_CAP + 10_000);
    expect((await fs.readdir(dir)).filter((n) => n.startsWith('agent-output.raw'))).toEqual([]);
  }, 120_000);

  it('the pane writer: generations of exactly the cap, two at most, the total and what it could not write said at its end', async () => {
    const dir = await bed.tempDir('clawback-pane-writer-');
    const base = path.join(dir, 'out.raw');
    const files = new PaneOutputFiles(base, 100_000);
    const child = spawn('sh', ['-c', `yes abcdefghi | head -c 1234567 | ${files.pipeCommand()}`], { stdio: 'ignore' });
    await new Promise((r) => child.on('exit', r));
    expect(PANE_WRITER).toMatch(/dist\/emergency\/pane-writer\.js$/);
    const names = (await fs.readdir(dir)).sort();
    expect(names).toEqual(['out.raw.11', 'out.raw.12', 'out.raw.end']);
    expect((await fs.stat(path.join(dir, 'out.raw.11'))).size).toBe(100_000);
    expect((await fs.stat(path.join(dir, 'out.raw.12'))).size).toBe(34_567);
    expect(await files.ended()).toEqual({ total: 1_234_567, generation: 12, unwritten: 0 });
    const tail = await files.readTail();
    expect(tail).toMatch(/^\n\[clawback\] … 1134\d{3} bytes of earlier output cut/);
    await files.removeAll();
    expect(await fs.readdir(dir)).toEqual([]);
  });
});
