// A damaged or hand-edited journal line can carry escapes in any field, not only in the message: `clawback incidents`
// printed its service name raw (an OSC title set on the reader's terminal) and a string level made the highest level NaN.
import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/daemon.js';

const TITLE = '\x1b]0;owned\x07';
const ERASE = '\x1b[2J';

function acting(text: string): string[] {
  return text.match(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g) ?? [];
}

describe('incidents / incident over a damaged journal', () => {
  it('show every field without letting it act on the terminal, and a non-number level counts as none', async () => {
    const stateDir = path.join(tempDir(), 'state');
    mkdirSync(stateDir, { recursive: true });
    const t = Date.now() - 60_000;
    const id = `inc-${TITLE}x`;
    const lines = [
      JSON.stringify({ type: 'incident.opened', time: t, severity: 'warning', service: `web${TITLE}`, incidentId: id, level: 1, message: 'opened' }),
      '{"type":"incident.action","time":17', // torn
      JSON.stringify({ type: `incident.action${ERASE}`, time: t + 1, severity: 'info', service: `web${TITLE}`, incidentId: id, level: `2${ERASE}`, message: 'step' }),
    ];
    writeFileSync(path.join(stateDir, 'journal.jsonl'), lines.join('\n') + '\n');
    const env = { HOME: stateDir, CLAWBACK_CONFIG: '' };
    const list = await runCli(['incidents', '--state-dir', stateDir], { env, cwd: stateDir, timeoutMs: 20_000 });
    expect(list.code).toBe(0);
    expect(acting(list.stdout)).toEqual([]);
    expect(list.stdout).not.toContain('NaN');
    const one = await runCli(['incident', id, '--state-dir', stateDir], { env, cwd: stateDir, timeoutMs: 20_000 });
    expect(one.code).toBe(0);
    expect(acting(one.stdout)).toEqual([]);
    expect(one.stdout).toContain('highest level 1');
    const json = await runCli(['incident', id, '--json', '--state-dir', stateDir], { env, cwd: stateDir, timeoutMs: 20_000 });
    expect((JSON.parse(json.stdout) as { highestLevel: unknown }).highestLevel).toBe(1);
    const missing = await runCli(['incident', `nope${TITLE}`, '--state-dir', stateDir], { env, cwd: stateDir, timeoutMs: 20_000 });
    expect(missing.code).toBe(4);
    expect(acting(missing.stderr)).toEqual([]);
  }, 60_000);
});
