// A directory the agent chmodded (a 0700 credentials directory opened to everyone) is put back and said, like a file.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentBed } from './agent-bed.js';
import { BROKEN_CONFIG, makeScenario } from './scenario.js';
import { changesSince, fileModes, fileOwners, revertSnapshot, takeSnapshot } from '../../src/emergency/file-snapshot.js';

const bed = agentBed('dirmode');
const modeOf = async (f: string): Promise<number> => (await fs.lstat(f)).mode & 0o7777;

describe("Level 3: a directory's own permissions the run changed", () => {
  it.each(['tmux', 'pty'] as const)('%s: a failed run that made a 0700 directory 0777 and another 0000 puts both back and names them', async (runner) => {
    const s = bed.track(await makeScenario());
    const creds = path.join(s.dir, 'creds');
    const locked = path.join(s.dir, 'plugins');
    await fs.mkdir(creds);
    await fs.chmod(creds, 0o700);
    await fs.writeFile(path.join(creds, 'key'), 'k\n', { mode: 0o600 });
    await fs.mkdir(locked);
    await fs.chmod(locked, 0o755);
    await fs.writeFile(path.join(locked, 'a.txt'), 'A\n');
    await s.host.start();
    const out = await bed.tempDir('clawback-dirmode-');
    const agent = path.join(out, 'agent.sh');
    // Edits a file, then closes the directory holding it: the file must still be put back.
    await fs.writeFile(agent, `chmod 777 '${creds}'\necho B > '${locked}/a.txt'\nchmod 000 '${locked}'\necho opened creds\n`);
    const r = await s.run(
      { adapter: 'command', command: ['sh', agent], timeBox: '20s', verifyWindow: '500ms' },
      { adapterOptions: { cli: { tmux: runner === 'tmux' ? { socket: bed.socket } : false, env: { PATH: process.env.PATH ?? '', CLAWBACK_TEST_CHILD: '1' } } } },
      `inc-dirmode-${runner}`,
    );
    expect(r.outcome).toBe('failed');
    expect(await modeOf(creds)).toBe(0o700);
    expect(await modeOf(locked)).toBe(0o755);
    expect(await fs.readFile(path.join(locked, 'a.txt'), 'utf8')).toBe('A\n');
    expect(await fs.readFile(s.host.configPath, 'utf8')).toBe(BROKEN_CONFIG);
    expect(r.revertedFiles).toEqual(expect.arrayContaining([creds, locked, path.join(locked, 'a.txt')]));
    const finished = s.events.find((e) => e.type === 'agent.finished');
    expect(JSON.stringify(finished?.details)).toContain('mode 0700 -> 0777');
  }, 60_000);

  it("a directory's mode changed after the agent ended is not the run's: kept and reported", async () => {
    const dir = await bed.tempDir('clawback-dirmode-unit-');
    const work = path.join(dir, 'work');
    const sub = path.join(work, 'creds');
    await fs.mkdir(sub, { recursive: true });
    await fs.chmod(sub, 0o700);
    await fs.writeFile(path.join(work, 'gw.json'), '{}\n');
    const snap = await takeSnapshot([path.join(work, 'gw.json'), work], [], path.join(dir, 'before'));
    const endModes = await fileModes(snap);
    const endOwners = await fileOwners(snap);
    await fs.chmod(sub, 0o750);
    expect(await changesSince(snap)).toEqual([expect.objectContaining({ path: sub, kind: 'modified', diff: ['(mode 0700 -> 0750)'] })]);
    const r = await revertSnapshot(snap, path.join(dir, 'after'), undefined, { endModes, endOwners });
    expect(r.keptChangedAfterAgent).toEqual([sub]);
    expect(r.reverted).toEqual([]);
    expect(await modeOf(sub)).toBe(0o750);
  });
});
