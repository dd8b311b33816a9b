// A service's escape sequences (its output, a probe command's answer) must not act on the terminal of whoever reads them.
import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/daemon.js';
import { terminalSafe } from '../../src/cli/terminal-safe.js';

const CLIPBOARD = '\x1b]52;c;cm0gLXJmIH4=\x07';
const TITLE = '\x1b]0;owned\x1b\\';
const ERASE = '\x1b[2J\x1b[H';
const C1_CSI = '\u009b31m';
const HOSTILE = `${CLIPBOARD}${TITLE}${ERASE}${C1_CSI}\x1b[31mred\x1b[0m bell\x07 nul\x00 done`;

/** Any control character but tab and newline, except a colour (SGR) when `colours` is allowed. */
function acting(text: string, colours: boolean): string[] {
  const stripped = colours ? text.replace(/\x1b\[[0-9;]*m/g, '') : text;
  return stripped.match(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g) ?? [];
}

describe('terminalSafe', () => {
  it('shows every control character as \\xNN, keeps tab and newline, keeps colours only when asked', () => {
    expect(terminalSafe(`a\tb\r\nc${CLIPBOARD}`)).toBe('a\tb\nc\\x1b]52;c;cm0gLXJmIH4=\\x07');
    expect(terminalSafe('\x1b[31mred\x1b[0m', { keepColour: true })).toBe('\x1b[31mred\x1b[0m');
    expect(terminalSafe('\x1b[31mred\x1b[0m')).toBe('red');
    expect(acting(terminalSafe(HOSTILE), false)).toEqual([]);
    expect(acting(terminalSafe(HOSTILE, { keepColour: true }), true)).toEqual([]);
  });
});

describe('the CLI prints what a service wrote without letting it act on the terminal', () => {
  it('logs NAME, incident ID, incidents and digest', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'clawback.yaml');
    const stateDir = path.join(dir, 'state');
    mkdirSync(path.join(stateDir, 'logs'), { recursive: true });
    writeFileSync(file, YAML.stringify({ services: [{ name: 'web', command: ['node', 'x.js'] }] }));
    writeFileSync(path.join(stateDir, 'logs', 'web.log'), `booting\n${HOSTILE}\n`);
    const logs = await runCli(['logs', 'web', '--config', file, '--state-dir', stateDir]);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain('booting');
    expect(logs.stdout).toContain('\\x1b]52;c;');
    expect(logs.stdout).toContain('\x1b[31mred\x1b[0m');
    expect(acting(logs.stdout, true)).toEqual([]);
    const raw = await runCli(['logs', 'web', '--raw', '--config', file, '--state-dir', stateDir]);
    expect(raw.stdout).toContain(CLIPBOARD);

    const t = Date.now() - 60_000;
    const id = 'inc-20260101-abcdef';
    const reason = `command: /opt/probe.sh exited 1: ${HOSTILE}`;
    const events = [
      { type: 'incident.opened', time: t, severity: 'warning', service: 'web', incidentId: id, level: 1, message: `incident ${id} opened for web: ${reason}`, details: { reason } },
      { type: 'service.unhealthy', time: t + 1, severity: 'warning', service: 'web', incidentId: id, message: `web unhealthy: ${reason}` },
      { type: 'incident.resolved', time: t + 2, severity: 'resolved', service: 'web', incidentId: id, message: 'web recovered', details: { ttrMs: 2, highestLevel: 1 } },
    ];
    writeFileSync(path.join(stateDir, 'journal.jsonl'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    for (const args of [['incident', id], ['incidents'], ['digest']]) {
      const r = await runCli([...args, '--config', file, '--state-dir', stateDir]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(acting(r.stdout, false), args.join(' ')).toEqual([]);
    }
    const one = await runCli(['incident', id, '--config', file, '--state-dir', stateDir]);
    expect(one.stdout).toContain('web unhealthy: command: /opt/probe.sh exited 1: \\x1b]52;c;');
  }, 60_000);
});
