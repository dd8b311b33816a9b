// A tmux that is there but cannot start a session must not cost the Level 3 run: the agent runs in a bare PTY instead.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXED_CONFIG, makeScenario, type Scenario } from './scenario.js';

let scenario: Scenario | undefined;
let socketDir: string | undefined;
const savedTmuxTmpdir = process.env.TMUX_TMPDIR;

afterEach(async () => {
  if (savedTmuxTmpdir === undefined) delete process.env.TMUX_TMPDIR;
  else process.env.TMUX_TMPDIR = savedTmuxTmpdir;
  await scenario?.cleanup();
  scenario = undefined;
  if (socketDir) await fs.rm(socketDir, { recursive: true, force: true });
  socketDir = undefined;
});

describe('Level 3 when tmux cannot start a session', () => {
  it('a socket directory tmux calls unsafe: the agent still runs (bare PTY), fixes the config, and the output says why', async () => {
    scenario = await makeScenario();
    // The daemon's tmux socket dir (TMUX_TMPDIR/tmux-UID) world-writable: tmux refuses to start a server there.
    socketDir = await fs.mkdtemp(path.join(os.tmpdir(), 'clawback-unsafe-tmux-'));
    const uidDir = path.join(socketDir, `tmux-${process.getuid?.() ?? 0}`);
    await fs.mkdir(uidDir);
    await fs.chmod(uidDir, 0o777);
    process.env.TMUX_TMPDIR = socketDir;
    const agent = path.join(scenario.dir, 'agent.sh');
    await fs.writeFile(agent, `printf '%s' '${FIXED_CONFIG}' > '${scenario.host.configPath}'\necho fixed the port\n`);
    const r = await scenario.run(
      { adapter: 'command', command: ['sh', agent], timeBox: '20s', verifyWindow: '500ms' },
      { adapterOptions: { cli: { tmux: { socket: `clawback-test-unsafe-${process.pid}` }, env: { PATH: process.env.PATH ?? '', CLAWBACK_TEST_CHILD: '1' } } } },
    );
    // Before: 'failed: command never started: could not start tmux session: ... has unsafe permissions', no agent run.
    expect(r.summary).not.toContain('never started');
    expect(r.outcome).toBe('fixed');
    expect(await fs.readFile(scenario.host.configPath, 'utf8')).toBe(FIXED_CONFIG);
    const transcript = await fs.readFile(r.transcriptPath!, 'utf8');
    expect(transcript).toContain('tmux could not start a session');
    expect(transcript).toContain('unsafe permissions');
    expect(transcript).toContain('fixed the port');
  }, 60_000);
});
