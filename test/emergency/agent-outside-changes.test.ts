// A CLI agent can write anywhere the user can: changes in the service's tree outside its allowed paths are reported.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeScenario, type Scenario } from './scenario.js';
import { diffStamps } from '../../src/emergency/outside-changes.js';

let scenario: Scenario | undefined;
let out: string | undefined;

afterEach(async () => {
  await scenario?.cleanup();
  scenario = undefined;
  if (out) await fs.rm(out, { recursive: true, force: true });
  out = undefined;
});

describe('Level 3: what a CLI agent changed outside its allowed paths', () => {
  it('an edit, a new file and a removal in the service\'s cwd, allowedPaths = the config only: each is named in the journal', async () => {
    scenario = await makeScenario();
    const s = scenario;
    await s.host.start();
    await fs.writeFile(path.join(s.dir, 'notes.txt'), 'keep me\n');
    await fs.writeFile(path.join(s.dir, 'app.js'), 'console.log(1);\n');
    out = await fs.mkdtemp(path.join(os.tmpdir(), 'clawback-outside-'));
    const agent = path.join(out, 'agent.sh');
    // An agent told to fix the config that also "fixes" the service's code, leaves a file and deletes one.
    await fs.writeFile(agent, [
      `printf '// patched by the agent\\n' >> '${path.join(s.dir, 'app.js')}'`,
      `echo scratch > '${path.join(s.dir, 'agent-scratch.txt')}'`,
      `rm '${path.join(s.dir, 'notes.txt')}'`,
      'echo done',
      '',
    ].join('\n'));
    const r = await s.run(
      { adapter: 'command', command: ['sh', agent], timeBox: '20s', verifyWindow: '500ms', allowedPaths: [s.host.configPath] },
      { adapterOptions: { cli: { tmux: false, env: { PATH: process.env.PATH ?? '', CLAWBACK_TEST_CHILD: '1' } } } },
      'inc-outside',
    );
    expect(r.changedFiles).toEqual([]);
    const ev = s.events.find((e) => e.details?.action === 'agent-changed-outside');
    expect(ev, 'a change outside the allowed paths is reported').toBeDefined();
    expect(ev!.details).toMatchObject({
      changed: [path.join(s.dir, 'app.js')],
      created: [path.join(s.dir, 'agent-scratch.txt')],
      removed: [path.join(s.dir, 'notes.txt')],
      count: 3,
    });
    expect(ev!.message).toContain('app.js');
    const run = JSON.parse(await fs.readFile(path.join(r.incidentDir!, 'agent-run.json'), 'utf8')) as { changedOutside?: unknown };
    expect(run.changedOutside).toMatchObject({ changed: [path.join(s.dir, 'app.js')] });
  }, 60_000);

  it('an agent that changes nothing outside reports nothing (the default allowed paths cover the whole cwd)', async () => {
    scenario = await makeScenario();
    const s = scenario;
    await s.host.start();
    out = await fs.mkdtemp(path.join(os.tmpdir(), 'clawback-outside-'));
    const agent = path.join(out, 'agent.sh');
    await fs.writeFile(path.join(s.dir, 'app.js'), 'console.log(1);\n');
    await fs.writeFile(agent, `printf '// inside\\n' >> '${path.join(s.dir, 'app.js')}'\necho done\n`);
    const r = await s.run(
      { adapter: 'command', command: ['sh', agent], timeBox: '20s', verifyWindow: '500ms' },
      { adapterOptions: { cli: { tmux: false, env: { PATH: process.env.PATH ?? '', CLAWBACK_TEST_CHILD: '1' } } } },
      'inc-inside',
    );
    expect(r.changedFiles).toEqual([path.join(s.dir, 'app.js')]);
    expect(s.events.find((e) => e.details?.action === 'agent-changed-outside')).toBeUndefined();
  }, 60_000);

  it('diffStamps: files under a directory the bound left unlisted are neither created nor removed', () => {
    const before = { files: { '/s/a': '1', '/s/big/x': '1' }, unlisted: ['/s/deep'] };
    const after = { files: { '/s/a': '2', '/s/deep/new': '1', '/s/c': '1' }, unlisted: ['/s/big'] };
    expect(diffStamps(before, after, () => false)).toEqual({ changed: ['/s/a'], created: ['/s/c'], removed: [] });
    expect(diffStamps(before, after, (f) => f === '/s/a')).toEqual({ changed: [], created: ['/s/c'], removed: [] });
  });
});
