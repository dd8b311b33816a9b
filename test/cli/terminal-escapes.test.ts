// A service's escape sequences (its output, a probe command's answer) must not act on the terminal of whoever reads them.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { runCli } from '../helpers/cli.js';
import { startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { renderStatus } from '../../src/cli/cmd-status.js';
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

describe("what the daemon answers (a held service's reason, a maintenance reason) reaches the terminal inert", () => {
  let td: TestDaemon | undefined;
  afterEach(async () => {
    await td?.stop();
    td = undefined;
  });

  it('terminalSafe shows bidi overrides and isolates as \\uNNNN, and leaves letters of any script alone', () => {
    expect(terminalSafe('ok\u202e lmth.exe\u202c \u2066x\u2069 שלום')).toBe('ok\\u202e lmth.exe\\u202c \\u2066x\\u2069 שלום');
  });

  it('status renders a Level 4 detail carrying a probe command output without its escapes acting', () => {
    const detail = `command: /opt/probe.sh exited 1: ${HOSTILE}\u202e`;
    const svc = { name: 'web', state: 'held', health: 'unhealthy', pid: null, uptimeMs: 0, restarts: 3, probes: [], held: { reason: 'human', detail, since: 0 }, incident: null };
    const daemon = { pid: 1, version: 'x', uptimeMs: 1000, configFile: '/c.yaml', stateDir: '/s', api: { host: '127.0.0.1', port: 1 }, health: 'degraded', degraded: [{ reason: 'state', lastError: HOSTILE }] };
    const out = renderStatus({ daemon, services: [svc] } as unknown as Parameters<typeof renderStatus>[0], true);
    expect(out).toContain('exited 1: \\x1b]52;c;');
    expect(out).toContain('\\u202e');
    // Only the CLI's own colours remain.
    expect(acting(out, true)).toEqual([]);
    expect(out).not.toContain('\u202e');
  });

  it('maintenance and status through a real daemon', async () => {
    td = await startTestDaemon({ services: [{ name: 'web', command: [process.execPath, '-e', 'setInterval(() => {}, 1000)'] }] });
    const reason = `deploy ${HOSTILE.replace('\x00', '')} \u202egnp.exe`; // argv cannot hold a NUL
    const on = await runCli(['maintenance', 'web', 'on', '--reason', reason, '--state-dir', td.stateDir]);
    expect(on.code, on.stderr).toBe(0);
    expect(acting(on.stdout, false)).toEqual([]);
    const st = await runCli(['status', '--state-dir', td.stateDir]);
    expect(st.code, st.stderr).toBe(0);
    expect(st.stdout).toContain('deploy \\x1b]52;c;');
    expect(st.stdout).toContain('\\u202egnp.exe');
    expect(acting(st.stdout, false)).toEqual([]);
    // --json stays the daemon's answer, JSON-escaped.
    const js = await runCli(['status', '--json', '--state-dir', td.stateDir]);
    expect((JSON.parse(js.stdout) as { services: Array<{ maintenance?: { reason?: string } }> }).services[0]!.maintenance?.reason).toBe(reason);
  }, 60_000);
});
