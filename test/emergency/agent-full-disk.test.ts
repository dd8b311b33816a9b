// A Level 3 agent that fills the disk its state dir shares (real tmpfs, real command agent): the run still gets its
// verdict, its edit of the config is put back, the file it created is taken out of the service's tree, and what could
// not be written is said.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BROKEN_CONFIG, makeScenario, type Scenario } from './scenario.js';
import { mountSmallDisk, type SmallDisk } from '../helpers/tmpfs.js';

let disk: SmallDisk;
let scenario: Scenario | undefined;
beforeAll(() => {
  disk = mountSmallDisk('8m');
});
afterEach(async () => {
  await scenario?.cleanup();
  scenario = undefined;
});
afterAll(() => {
  disk?.free();
  disk?.unmount();
});

describe('a Level 3 agent that fills the disk', () => {
  it('is judged and reverted: config back, its filler removed from the tree, the unwritten transcript reported', async () => {
    scenario = await makeScenario({ base: disk.dir });
    const s = scenario;
    await fs.writeFile(path.join(s.dir, 'server.mjs'), 'process.exit(78);\n');
    const filler = path.join(s.dir, 'cache.bin');
    const agent = path.join(s.dir, 'agent.sh');
    await fs.writeFile(agent, [
      `printf '{"agent": "edited"}\\n' > '${s.host.configPath}'`,
      `dd if=/dev/zero of='${filler}' bs=64k 2>/dev/null`,
      'echo "Error: no space left on device"',
      'exit 1',
      '',
    ].join('\n'));
    const r = await s.run(
      { adapter: 'command', command: ['sh', agent], timeBox: '20s', verifyWindow: '500ms' },
      { adapterOptions: { cli: { tmux: false, env: { PATH: process.env.PATH ?? '', CLAWBACK_TEST_CHILD: '1' } } } },
      'inc-full-disk',
    );
    expect(r.fixed).toBe(false);
    expect(r.outcome).toBe('failed');
    expect(await fs.readFile(s.host.configPath, 'utf8')).toBe(BROKEN_CONFIG);
    expect(r.revertedFiles).toContain(s.host.configPath);
    expect(r.revertedFiles).toContain(filler);
    await expect(fs.stat(filler)).rejects.toThrow(/ENOENT/);
    const finished = s.events.find((e) => e.type === 'agent.finished');
    expect(finished, 'the verdict is reported').toBeDefined();
    const unwritten = s.events.find((e) => e.details?.action === 'agent-record-unwritten');
    expect(unwritten?.message).toMatch(/transcript\.txt.*ENOSPC/);
  }, 60_000);
});
