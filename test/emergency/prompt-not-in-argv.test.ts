// The prompt (incident timeline, redacted log excerpts) must not be in the agent's argv: every local user reads
// /proc/<pid>/cmdline. Each CLI agent that takes its prompt on stdin gets it there, from the 0600 prompt file.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { agentBed } from './agent-bed.js';
import { FIXED_CONFIG, makeScenario } from './scenario.js';

const BIN = fileURLToPath(new URL('./bin', import.meta.url));

const bed = agentBed('argv');

describe('Level 3: the prompt is kept out of the CLI agent\'s argv', () => {
  it.each([
    ['claude', 'tmux'],
    ['codex', 'tmux'],
    ['gemini', 'tmux'],
    ['claude', 'pty'],
  ] as const)('%s (%s): the agent gets the prompt on stdin and fixes the config; its argv holds none of it', async (adapter, runner) => {
    // (a cwd of its own: Codex and Gemini are not handed a cwd that holds the state dir)
    const scenario = bed.track(await makeScenario({ cwd: 'app' }));
    await scenario.host.start();
    const dir = await bed.tempDir('clawback-argv-');
    const argsFile = path.join(dir, 'args.json');
    const r = await scenario.run(
      { adapter, timeBox: '30s', verifyWindow: '500ms' },
      {
        adapterOptions: {
          cli: { tmux: runner === 'tmux' ? { socket: bed.socket } : false, env: { PATH: `${BIN}:${process.env.PATH ?? ''}`, CLAWBACK_TEST_CHILD: '1', FAKE_AGENT_ARGS_FILE: argsFile } },
        },
      },
      `inc-argv-${adapter}-${runner}`,
    );
    // The agent's argv as it ran (what /proc/<pid>/cmdline showed every local user).
    const args = (JSON.parse(await fs.readFile(argsFile, 'utf8')) as string[]).join('\n');
    expect(args).not.toContain('- config file:');
    expect(args).not.toContain('gateway exits with code 78');
    expect(args.length).toBeLessThan(2000);
    // It read the prompt all the same: the config path is only there.
    expect(r.outcome).toBe('fixed');
    expect(await fs.readFile(scenario.host.configPath, 'utf8')).toBe(FIXED_CONFIG);
  }, 60_000);
});
