// The transcript keeps the last 2 MB of an agent's output: the cut must not leave the tail of a secret it went through.
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { makeScenario, type Scenario } from './scenario.js';

const BIN = fileURLToPath(new URL('./bin', import.meta.url));
const SOCKET = `clawback-test-cut-${process.pid}`;

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8', env: { ...process.env, CLAWBACK_TEST_CHILD: '1' } });
}

let scenario: Scenario | undefined;

afterEach(async () => {
  await scenario?.cleanup();
  scenario = undefined;
});

afterAll(() => {
  try {
    tmux('kill-server');
  } catch {
    // not running
  }
});

// One key per line, nearly the whole line: wherever the 2 MB cut falls, it falls inside a key (99 times in 100). Its
// tail has no `sk-ant-` before it, so no redaction pattern knows it for a key.
// (1003 bytes a line with the PTY's \r\n: a 2 MB cut at a line's end still lands inside a key.)
const KEY_BODY = 'Zq'.repeat(497);
const LINE = `sk-ant-${KEY_BODY}`;
const KEY_PIECE = /(?:Zq){6}|(?:qZ){6}/;

describe('Level 3: the 2 MB cut of an agent\'s output never keeps part of a secret', () => {
  it.each(['tmux', 'pty'] as const)('%s: an agent printing 4 MB of key lines leaves no piece of a key in the transcript', async (runner) => {
    scenario = await makeScenario();
    await scenario.host.start();
    const r = await scenario.run(
      { adapter: 'claude', timeBox: '60s', verifyWindow: '300ms' },
      {
        adapterOptions: {
          cli: {
            tmux: runner === 'tmux' ? { socket: SOCKET } : false,
            env: { PATH: `${BIN}:${process.env.PATH ?? ''}`, CLAWBACK_TEST_CHILD: '1', FAKE_AGENT_MODE: 'flood', FAKE_AGENT_FLOOD_MB: runner === 'tmux' ? '6' : '5', FAKE_AGENT_FLOOD_LINE: LINE },
          },
        },
      },
      `inc-cut-${runner}`,
    );
    const transcript = await fs.readFile(r.transcriptPath!, 'utf8');
    expect(transcript).toContain('earlier output cut');
    // The redactor saw whole keys: the kept part is redacted lines, not a key's tail.
    expect(transcript).toContain('[REDACTED]');
    const piece = KEY_PIECE.exec(transcript);
    expect(piece ? transcript.slice(Math.max(0, piece.index - 20), piece.index + 40) : undefined).toBeUndefined();
    // The summary (the last lines, cut at 2000 characters) goes into the run's record, the journal and the alerts.
    const record = await fs.readFile(path.join(r.incidentDir!, 'agent-run.json'), 'utf8');
    for (const [what, text] of [['summary', r.summary ?? ''], ['agent-run.json', record], ['events', JSON.stringify(scenario.events)]] as const) {
      const p = KEY_PIECE.exec(text);
      expect(p ? `${what}: ${text.slice(Math.max(0, p.index - 20), p.index + 40)}` : undefined).toBeUndefined();
    }
  });
});
