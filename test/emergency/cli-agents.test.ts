// Level 3 with CLI agents for real: a fake `claude` on PATH in a real tmux session (private socket) or a bare PTY.
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BROKEN_CONFIG, FIXED_CONFIG, makeScenario, type Scenario } from './scenario.js';
import { tmuxSessionName } from '../../src/emergency/tmux-session.js';
import { isAlive } from '../../src/platform/proc.js';

const BIN = fileURLToPath(new URL('./bin', import.meta.url));
const FAKE_AGENT = path.join(BIN, 'claude');
const SOCKET = `clawback-test-${process.pid}`;

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8', env: { ...process.env, CLAWBACK_TEST_CHILD: '1' } });
}

function hasSession(name: string): boolean {
  try {
    tmux('has-session', '-t', `=${name}`);
    return true;
  } catch {
    return false;
  }
}

function cliEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: `${BIN}:${process.env.PATH ?? ''}`, CLAWBACK_TEST_CHILD: '1', ...extra };
}

let scenario: Scenario | undefined;
let argsDir: string | undefined;

afterEach(async () => {
  // end any session a failed test left behind, then the scenario's gateway
  try {
    for (const s of tmux('list-sessions', '-F', '#{session_name}').split('\n').filter(Boolean)) tmux('kill-session', '-t', `=${s}`);
  } catch {
    // no server running
  }
  await scenario?.cleanup();
  scenario = undefined;
  if (argsDir) await fs.rm(argsDir, { recursive: true, force: true });
  argsDir = undefined;
});

afterAll(() => {
  try {
    tmux('kill-server');
  } catch {
    // not running
  }
});

async function tmpArgsFile(): Promise<string> {
  argsDir = await fs.mkdtemp(path.join(os.tmpdir(), 'clawback-fake-args-'));
  return path.join(argsDir, 'args.json');
}

describe('Level 3 with a CLI agent in tmux', () => {
  it('runs a fake claude in a detached tmux session a human can attach to; the fix is verified and kept', async () => {
    scenario = await makeScenario();
    await scenario.host.start();
    const argsFile = await tmpArgsFile();
    const incidentId = 'inc-tmux-fix';
    const name = tmuxSessionName('gw', incidentId);
    let sawSession = false;
    const run = scenario.run(
      { adapter: 'claude', timeBox: '30s', verifyWindow: '1500ms', maxTurns: 12 },
      { adapterOptions: { cli: { tmux: { socket: SOCKET }, env: cliEnv({ FAKE_AGENT_ARGS_FILE: argsFile, FAKE_AGENT_LINGER_MS: '1500' }) } } },
      incidentId,
    );
    for (let i = 0; i < 100 && !sawSession; i++) {
      sawSession = hasSession(name);
      if (!sawSession) await new Promise((r) => setTimeout(r, 50));
    }
    const r = await run;
    expect(sawSession).toBe(true);
    expect(r.outcome).toBe('fixed');
    expect(r.attachCommand).toBe(`tmux -L '${SOCKET}' attach -t '${name}'`);
    const started = scenario.events.find((e) => e.type === 'agent.started')!;
    expect(started.message).toContain(`attach -t '${name}'`);
    expect(started.details?.attachCommand).toBe(r.attachCommand);
    expect(await fs.readFile(scenario.host.configPath, 'utf8')).toBe(FIXED_CONFIG);
    expect(hasSession(name)).toBe(false);
    const transcript = await fs.readFile(r.transcriptPath!, 'utf8');
    expect((await fs.stat(r.transcriptPath!)).mode & 0o777).toBe(0o600);
    expect(transcript).toContain('stdout is a tty: true');
    expect(transcript).toContain('Changed "port" from "oops" to 0');
    expect(transcript).not.toMatch(/\x1b\[/);
    // the flags the adapter passed: print mode, bounded turns, an explicit allowlist, no blanket skip
    const args = JSON.parse(await fs.readFile(argsFile, 'utf8')) as string[];
    expect(args[0]).toBe('-p');
    expect(args.slice(args.indexOf('--permission-mode'), args.indexOf('--permission-mode') + 2)).toEqual(['--permission-mode', 'acceptEdits']);
    expect(args[args.indexOf('--max-turns') + 1]).toBe('12');
    expect(args[args.indexOf('--allowedTools') + 1]).toContain(`Edit(/${scenario.host.configPath})`);
    expect(args.join(' ')).not.toMatch(/dangerously|bypassPermissions/);
    // No shell, no network tools; reads only under the working directory and the config file.
    const allowed = args[args.indexOf('--allowedTools') + 1]!.split(',');
    expect(allowed.some((t) => /^(Bash|WebFetch|WebSearch|Read|Grep|Glob)$/.test(t) || t.startsWith('Bash('))).toBe(false);
    const denied = args[args.indexOf('--disallowedTools') + 1]!;
    expect(denied.startsWith(`Bash,WebFetch,WebSearch,Read(/${path.join(scenario!.stateDir, 'token')}),Read(/${path.join(os.homedir(), '.ssh')}/**),`)).toBe(true);
    expect(denied).toContain(`Edit(/${scenario.dir}/**/node_modules/**)`);
    // Every file of the session is private (0600).
    const modes: string[] = [];
    for (const entry of await fs.readdir(r.incidentDir!, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const mode = (await fs.stat(path.join(entry.parentPath, entry.name))).mode & 0o777;
      if (mode !== 0o600) modes.push(`${path.relative(r.incidentDir!, path.join(entry.parentPath, entry.name))} ${mode.toString(8)}`);
    }
    expect(modes).toEqual([]);
    const finished = scenario.events.find((e) => e.type === 'agent.finished')!;
    expect((finished.details?.diff as string[]).join('\n')).toMatch(/\+\s+"port": 0/);
    console.log(`[measure] claude adapter (tmux): runEmergency() -> agent start ${r.startLatencyMs?.toFixed(1)} ms (prepare ${r.prepareMs?.toFixed(1)} ms)`);
  });

  it('kills a hanging agent at the time-box: session gone, outcome timeout, files reverted', async () => {
    scenario = await makeScenario();
    await scenario.host.start();
    const incidentId = 'inc-tmux-hang';
    const name = tmuxSessionName('gw', incidentId);
    const t0 = performance.now();
    const r = await scenario.run(
      { adapter: 'claude', timeBox: '2s', verifyWindow: '500ms' },
      { adapterOptions: { cli: { tmux: { socket: SOCKET }, env: cliEnv({ FAKE_AGENT_MODE: 'hang' }) } } },
      incidentId,
    );
    expect(r.outcome).toBe('timeout');
    expect(performance.now() - t0).toBeLessThan(20_000);
    expect(hasSession(name)).toBe(false);
    expect(await fs.readFile(scenario.host.configPath, 'utf8')).toBe(BROKEN_CONFIG);
    expect(r.revertedFiles).toEqual([scenario.host.configPath]);
    expect(await fs.readFile(r.transcriptPath!, 'utf8')).toContain('thinking forever');
    expect(scenario.events.find((e) => e.type === 'agent.finished')?.details?.outcome).toBe('timeout');
  });

  it('an agent that prints without end: its output on disk and in the transcript stays bounded, the tail is kept', async () => {
    scenario = await makeScenario();
    const s = scenario;
    await s.host.start();
    const incidentId = 'inc-tmux-flood';
    const dir = path.join(s.stateDir, 'incidents', incidentId);
    // The pane's output files (agent-output.raw and its generations), all together.
    const rawBytes = async (): Promise<number> => {
      let total = 0;
      for (const n of await fs.readdir(dir).catch(() => [] as string[])) if (n.startsWith('agent-output.raw')) total += (await fs.stat(path.join(dir, n)).catch(() => ({ size: 0 }))).size;
      return total;
    };
    let maxRaw = 0;
    let watching = true;
    const watch = (async () => {
      while (watching) {
        maxRaw = Math.max(maxRaw, await rawBytes());
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const r = await s.run({ adapter: 'claude', timeBox: '60s', verifyWindow: '500ms' }, { adapterOptions: { cli: { tmux: { socket: SOCKET }, env: cliEnv({ FAKE_AGENT_MODE: 'flood', FAKE_AGENT_FLOOD_MB: '24' }) } } }, incidentId);
    watching = false;
    await watch;
    expect(r.outcome).toBe('failed');
    const transcript = await fs.readFile(r.transcriptPath!, 'utf8');
    expect(transcript.length).toBeLessThan(2_200_000);
    expect(transcript).toContain('earlier output cut');
    expect(transcript).toContain('FLOOD-END');
    // 24 MB went through the pane; the files were rotated while the agent ran (two generations of about the cap each,
    // plus one poll's worth), and none is left once the transcript is written.
    expect(maxRaw).toBeGreaterThan(0);
    expect(maxRaw).toBeLessThan(16_000_000);
    expect((await fs.readdir(dir)).filter((n) => n.startsWith('agent-output.raw'))).toEqual([]);
    console.log(`[measure] 24 MB of agent output: most raw bytes on disk at once ${(maxRaw / 1e6).toFixed(1)} MB, transcript ${(transcript.length / 1e6).toFixed(2)} MB`);
  });

  it('runs a generic command template ({prompt_file}) in tmux', async () => {
    scenario = await makeScenario();
    await scenario.host.start();
    const r = await scenario.run(
      { adapter: 'command', command: [process.execPath, FAKE_AGENT, '--prompt-file', '{prompt_file}'], timeBox: '30s', verifyWindow: '1500ms' },
      { adapterOptions: { cli: { tmux: { socket: SOCKET }, env: cliEnv({ FAKE_AGENT_LINGER_MS: '200' }) } } },
    );
    expect(r.outcome).toBe('fixed');
    expect(r.attachCommand).toMatch(/attach -t/);
    console.log(`[measure] command adapter (tmux): runEmergency() -> agent start ${r.startLatencyMs?.toFixed(1)} ms (prepare ${r.prepareMs?.toFixed(1)} ms)`);
  });
});

describe('Level 3 with codex or gemini and a config outside the working directory (they are granted whole directories)', () => {
  const grants = { codex: ['-C', '--add-dir'], gemini: ['--include-directories'] } as const;
  it.each(['codex', 'gemini'] as const)('%s edits a copy of the config: the fix is applied and verified, and nothing beside the config was writable', async (adapter) => {
    scenario = await makeScenario({ cwd: 'app' });
    const s = scenario;
    await s.host.start();
    // Beside the config, as ~/.openclaw/credentials is beside ~/.openclaw/openclaw.json.
    const beside = path.join(s.dir, 'credentials.json');
    await fs.writeFile(beside, '{"token":"user-secret"}\n');
    const argsFile = await tmpArgsFile();
    const r = await s.run(
      { adapter, timeBox: '30s', verifyWindow: '1500ms' },
      { adapterOptions: { cli: { tmux: { socket: SOCKET }, env: cliEnv({ FAKE_AGENT_ARGS_FILE: argsFile, FAKE_CODEX_ALSO_WRITE: beside }) } } },
      `inc-${adapter}-stage`,
    );
    expect(r.outcome).toBe('fixed');
    expect(await fs.readFile(s.host.configPath, 'utf8')).toBe(FIXED_CONFIG);
    expect(await fs.readFile(beside, 'utf8')).toBe('{"token":"user-secret"}\n');
    const args = JSON.parse(await fs.readFile(argsFile, 'utf8')) as string[];
    const copyDir = path.join(r.incidentDir!, 'config-edit');
    const writable = args.flatMap((a, i) => ((grants[adapter] as readonly string[]).includes(a) ? [args[i + 1]] : []));
    expect(writable).toEqual(adapter === 'codex' ? [path.join(s.dir, 'app'), copyDir] : [copyDir]);
    expect(await fs.readdir(copyDir)).toEqual([path.basename(s.host.configPath)]);
    expect(await fs.readFile(r.transcriptPath!, 'utf8')).toContain(`sandbox denied a write to ${beside}`);
    expect(s.events.find((e) => e.details?.action === 'agent-config-applied')?.details?.config).toBe(s.host.configPath);
    expect(r.changedFiles).toEqual([s.host.configPath]);
  });

  it('a codex run killed at its time-box: its edit of the copy is never applied, the config is untouched', async () => {
    scenario = await makeScenario({ cwd: 'app' });
    const s = scenario;
    await s.host.start();
    const r = await s.run({ adapter: 'codex', timeBox: '2s', verifyWindow: '500ms' }, { adapterOptions: { cli: { tmux: { socket: SOCKET }, env: cliEnv({ FAKE_AGENT_MODE: 'hang' }) } } }, 'inc-codex-hang');
    expect(r.outcome).toBe('timeout');
    expect(await fs.readFile(s.host.configPath, 'utf8')).toBe(BROKEN_CONFIG);
    expect(r.changedFiles).toEqual([]);
    const kept = s.events.find((e) => e.details?.action === 'agent-config-not-applied');
    expect(await fs.readFile(kept?.details?.copy as string, 'utf8')).toContain('broken-by-agent');
  });
});

describe('Level 3 with codex or gemini in a working directory that holds the state dir', () => {
  it.each(['codex', 'gemini'] as const)('%s is refused before it starts: granted the whole directory, it could rewrite state.json, learnings or the pre-run snapshot', async (adapter) => {
    // The scenario's state dir lies inside the service's cwd (./state, as with `--state-dir ./.clawback`).
    scenario = await makeScenario();
    const s = scenario;
    await s.host.start();
    const stateFile = path.join(s.stateDir, 'state.json');
    await fs.writeFile(stateFile, '{"version":1,"services":{}}\n');
    const argsFile = await tmpArgsFile();
    const r = await s.run(
      { adapter, timeBox: '30s', verifyWindow: '500ms' },
      { adapterOptions: { cli: { tmux: { socket: SOCKET }, env: cliEnv({ FAKE_AGENT_ARGS_FILE: argsFile, FAKE_CODEX_ALSO_WRITE: stateFile }) } } },
      `inc-${adapter}-state-inside`,
    );
    expect(await fs.readFile(stateFile, 'utf8')).toBe('{"version":1,"services":{}}\n');
    expect(r.outcome).toBe('refused');
    expect(r.summary).toContain(s.stateDir);
    await expect(fs.stat(argsFile)).rejects.toThrow();
    expect(await fs.readFile(s.host.configPath, 'utf8')).toBe(BROKEN_CONFIG);
  });
});

describe("Level 3 with codex, whose sandbox reads the whole disk: Clawback's state dir is hidden from it", () => {
  it.each(['tmux', 'pty'] as const)('%s: the API token, the spool and the other files of the state dir are not there for it; its run and fix work as before', async (runner) => {
    // The state dir lies beside the service's cwd (as ~/.clawback does), so the run is not refused; Codex's own
    // sandbox (read-only and workspace-write alike) would let it read every file of it.
    scenario = await makeScenario({ cwd: 'app' });
    const s = scenario;
    await s.host.start();
    const token = path.join(s.stateDir, 'token');
    await fs.writeFile(token, 'cb-api-token-0123456789abcdef\n', { mode: 0o600 });
    await fs.mkdir(path.join(s.stateDir, 'spool'));
    const spooled = path.join(s.stateDir, 'spool', 'n1.json');
    await fs.writeFile(spooled, '{"url":"https://hooks.example/T000/B000/XXXXSECRET"}\n');
    const readLog = await tmpArgsFile();
    const tmuxOpt = runner === 'tmux' ? { socket: SOCKET } : (false as const);
    const r = await s.run(
      { adapter: 'codex', timeBox: '30s', verifyWindow: '1500ms' },
      { adapterOptions: { cli: { tmux: tmuxOpt, env: cliEnv({ FAKE_AGENT_READ: [token, spooled, s.host.configPath].join(path.delimiter), FAKE_AGENT_READ_LOG: readLog }) } } },
      `inc-codex-hidden-${runner}`,
    );
    const read = await fs.readFile(readLog, 'utf8').catch(() => '');
    expect(read).not.toContain('cb-api-token');
    expect(read).not.toContain('XXXXSECRET');
    // What it is given stays within reach: the config (read and, through its copy in the incident dir, fixed).
    expect(read).toContain(`${s.host.configPath}\t`);
    expect(r.outcome).toBe('fixed');
    expect(await fs.readFile(s.host.configPath, 'utf8')).toBe(FIXED_CONFIG);
    const transcript = await fs.readFile(r.transcriptPath!, 'utf8');
    expect(transcript).toContain(`could not read ${spooled}: ENOENT`);
    expect(transcript).not.toContain('could not hide the state dir');
    // Nothing of it shows outside the run: the token and the spool are where they were.
    expect(await fs.readFile(token, 'utf8')).toBe('cb-api-token-0123456789abcdef\n');
  });
});

describe('Level 3 with codex or gemini proposing, in a working directory that holds the state dir', () => {
  it.each(['codex', 'gemini'] as const)('%s is refused before it starts: granted the whole directory to read, it would read the API token and the spool', async (adapter) => {
    // Reads are a grant too: Gemini's file tools read its whole workspace, Codex's sandbox the whole disk, in plan and
    // read-only modes alike. <stateDir>/token controls the daemon's API; the spool holds webhook URLs.
    scenario = await makeScenario();
    const s = scenario;
    await s.host.start();
    const token = path.join(s.stateDir, 'token');
    await fs.writeFile(token, 'cb-api-token-0123456789abcdef\n', { mode: 0o600 });
    const readLog = await tmpArgsFile();
    const r = await s.run(
      { adapter, mode: 'propose', timeBox: '30s', verifyWindow: '500ms' },
      { adapterOptions: { cli: { tmux: { socket: SOCKET }, env: cliEnv({ FAKE_AGENT_READ: token, FAKE_AGENT_READ_LOG: readLog }) } } },
      `inc-${adapter}-propose-state-inside`,
    );
    const read = await fs.readFile(readLog, 'utf8').catch(() => '');
    expect(read).not.toContain('cb-api-token');
    expect(r.outcome).toBe('refused');
    expect(r.summary).toContain(s.stateDir);
  });
});

describe('Level 3 confinement without a configured working directory', () => {
  it('the agent starts in an empty private directory (not the daemon\'s), may read only the config file and edit nothing', async () => {
    scenario = await makeScenario();
    await scenario.host.start();
    const argsFile = await tmpArgsFile();
    const cwdFile = path.join(argsDir!, 'cwd.json');
    const { cwd: _omit, ...noCwd } = scenario.service;
    const r = await scenario.run(
      { adapter: 'claude', timeBox: '30s', verifyWindow: '500ms', maxTurns: 5 },
      { service: noCwd as typeof scenario.service, adapterOptions: { cli: { tmux: { socket: SOCKET }, env: cliEnv({ FAKE_AGENT_ARGS_FILE: argsFile, FAKE_AGENT_CWD_FILE: cwdFile }) } } },
      'inc-no-cwd',
    );
    expect(r.incidentDir).toBeDefined();
    const seen = JSON.parse(await fs.readFile(cwdFile, 'utf8')) as { cwd: string; entries: string[] };
    // Not the daemon's directory (here the test runner's, often $HOME in production) and nothing to read there.
    expect(seen.cwd).not.toBe(process.cwd());
    expect(seen.cwd).toBe(path.join(r.incidentDir!, 'agent-cwd'));
    expect(seen.entries).toEqual([]);
    expect((await fs.stat(seen.cwd)).mode & 0o777).toBe(0o700);
    const args = JSON.parse(await fs.readFile(argsFile, 'utf8')) as string[];
    const allowed = args[args.indexOf('--allowedTools') + 1]!.split(',');
    expect(allowed.filter((t) => t.startsWith('Edit') || t.startsWith('Write'))).toEqual([]);
    expect(allowed.every((t) => t === `Read(/${scenario!.host.configPath})`)).toBe(true);
    expect(args.slice(args.indexOf('--permission-mode'), args.indexOf('--permission-mode') + 2)).toEqual(['--permission-mode', 'default']);
    expect(args[args.indexOf('--disallowedTools') + 1]).toBe(`Bash,WebFetch,WebSearch,Read(/${path.join(scenario!.stateDir, 'token')}),Read(/${path.join(os.homedir(), '.ssh')}/**)`);
  });
});

describe('Level 3 with a CLI agent in a bare PTY (no tmux)', () => {
  it('runs the fake claude under node-pty, records its output and verifies the fix', async () => {
    scenario = await makeScenario();
    await scenario.host.start();
    const r = await scenario.run(
      { adapter: 'claude', timeBox: '30s', verifyWindow: '1500ms' },
      { adapterOptions: { cli: { tmux: false, env: cliEnv({ FAKE_AGENT_LINGER_MS: '100' }) } } },
    );
    expect(r.outcome).toBe('fixed');
    expect(r.attachCommand).toBeUndefined();
    const transcript = await fs.readFile(r.transcriptPath!, 'utf8');
    expect(transcript).toContain('stdout is a tty: true');
    console.log(`[measure] claude adapter (node-pty): runEmergency() -> agent start ${r.startLatencyMs?.toFixed(1)} ms (prepare ${r.prepareMs?.toFixed(1)} ms)`);
  });

  it('an agent that prints without end in a PTY: the transcript keeps a bounded tail', async () => {
    scenario = await makeScenario();
    await scenario.host.start();
    const r = await scenario.run({ adapter: 'claude', timeBox: '60s', verifyWindow: '300ms' }, { adapterOptions: { cli: { tmux: false, env: cliEnv({ FAKE_AGENT_MODE: 'flood', FAKE_AGENT_FLOOD_MB: '10' }) } } });
    const transcript = await fs.readFile(r.transcriptPath!, 'utf8');
    expect(transcript.length).toBeLessThan(4_200_000);
    expect(transcript).toContain('earlier output cut');
    // Not asserted: the very last line. Under load node-pty may report the exit before it has read the last output
    // (the runner waits for the PTY to go quiet, bounded, which is not always enough); tmux keeps it (test above).
  });

  it('a run cancelled before its time-box (a person took over, the daemon stops) is not said to be killed at the time-box', async () => {
    scenario = await makeScenario();
    await scenario.host.start();
    const cancel = new AbortController();
    setTimeout(() => cancel.abort(), 1500);
    const r = await scenario.run(
      { adapter: 'claude', timeBox: '60s', verifyWindow: '300ms' },
      { signal: cancel.signal, adapterOptions: { cli: { tmux: false, env: cliEnv({ FAKE_AGENT_MODE: 'hang' }) } } },
    );
    expect(r.outcome).toBe('failed');
    // The run's record (agent-run.json), what the journal's agent-ended line is made of.
    const run = JSON.parse(await fs.readFile(path.join(r.incidentDir!, 'agent-run.json'), 'utf8')) as { summary: string };
    expect(run.summary).toMatch(/^stopped: the run was cancelled; last output:/);
    expect(run.summary).not.toContain('time-box');
  });

  it('kills a hanging agent in a PTY at the time-box', async () => {
    scenario = await makeScenario();
    await scenario.host.start();
    const r = await scenario.run(
      { adapter: 'claude', timeBox: '1500ms', verifyWindow: '300ms' },
      { adapterOptions: { cli: { tmux: false, env: cliEnv({ FAKE_AGENT_MODE: 'hang' }) } } },
    );
    expect(r.outcome).toBe('timeout');
    expect(await fs.readFile(scenario.host.configPath, 'utf8')).toBe(BROKEN_CONFIG);
  });
});

describe("Level 3: a CLI agent never gets the daemon's whole environment", () => {
  it.each(['tmux', 'pty'] as const)('%s: only PATH/HOME/LANG/LC_*/TERM/…, the adapter\'s key and the names in passEnv arrive; the tmux server carries no secret either', async (runner) => {
    // The daemon's own environment: a systemd EnvironmentFile with other tools' keys, its own tokens, a webhook.
    const daemonSecrets = {
      AWS_SECRET_ACCESS_KEY: 'aws-secret-l3c',
      GITHUB_TOKEN: 'ghp_l3cleak',
      CLAWBACK_API_TOKEN: 'clawback-token-l3c',
      OPENAI_API_KEY: 'sk-other-adapter-l3c',
      DISCORD_WEBHOOK_URL: 'https://discord.com/api/webhooks/1/l3c',
      SSH_AUTH_SOCK: '/tmp/ssh-l3c/agent.1',
    };
    const wanted = { ANTHROPIC_API_KEY: 'sk-ant-l3c', MY_PROXY_CONF: 'proxy-l3c', LC_TIME: 'C' };
    const saved = Object.fromEntries(Object.keys({ ...daemonSecrets, ...wanted }).map((k) => [k, process.env[k]]));
    Object.assign(process.env, daemonSecrets, wanted);
    try {
      scenario = await makeScenario();
      await scenario.host.start();
      const envFile = path.join(path.dirname(await tmpArgsFile()), 'env.json');
      const extra: Record<string, string> = { FAKE_AGENT_ENV_FILE: envFile, FAKE_AGENT_LINGER_MS: '100' };
      if (runner === 'tmux') extra.FAKE_AGENT_TMUX_SOCKET = path.join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, SOCKET);
      const r = await scenario.run(
        { adapter: 'claude', timeBox: '30s', verifyWindow: '500ms', passEnv: ['MY_PROXY_CONF'] },
        { adapterOptions: { cli: { tmux: runner === 'tmux' ? { socket: SOCKET } : false, env: cliEnv(extra) } } },
      );
      expect(r.outcome).toBe('fixed');
      const got = JSON.parse(await fs.readFile(envFile, 'utf8')) as { env: Record<string, string>; tmuxGlobal: string };
      for (const [k, v] of Object.entries(daemonSecrets)) {
        expect(got.env[k], k).toBeUndefined();
        expect(JSON.stringify(got.env)).not.toContain(v);
        expect(got.tmuxGlobal).not.toContain(v);
      }
      expect(got.env).toMatchObject({ ...wanted, HOME: process.env.HOME });
      expect(got.env.PATH).toContain(BIN);
      // The key reaches the agent, never the tmux server (any later session of any adapter would inherit it).
      expect(got.tmuxGlobal).not.toContain('sk-ant-l3c');
      if (runner === 'tmux') expect(got.tmuxGlobal).toContain('PATH=');
      // Nothing else from the daemon's environment (what the shell, tmux and the launcher set themselves aside).
      const allowed = /^(PATH|HOME|LANG|LC_\w+|TERM|TMPDIR|USER|LOGNAME|SHELL|PWD|OLDPWD|SHLVL|_|TMUX|TMUX_PANE|TMUX_TMPDIR|COLORTERM|TERM_PROGRAM|TERM_PROGRAM_VERSION|ANTHROPIC_API_KEY|MY_PROXY_CONF|CLAWBACK_AGENT_RUN|CLAWBACK_TEST_CHILD|FAKE_AGENT_\w+)$/;
      expect(Object.keys(got.env).filter((k) => !allowed.test(k))).toEqual([]);
      // The file that carried the keys to the tmux launcher is gone.
      await expect(fs.access(path.join(r.incidentDir!, 'agent-env'))).rejects.toThrow();
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});

describe('Level 3: nothing an agent started outlives its run', () => {
  // Not a zombie: an orphan's exit is reaped by whatever init the machine has, maybe late.
  const alive = (pid: number): boolean => isAlive(pid);
  it.each(['tmux', 'pty'] as const)('%s: a child ignoring SIGHUP/SIGTERM, one in its own session and one started with `env -i setsid` are ended before the verdict', async (runner) => {
    scenario = await makeScenario();
    await scenario.host.start();
    const pidsFile = await tmpArgsFile();
    const tmuxOpt = runner === 'tmux' ? { socket: SOCKET } : (false as const);
    const r = await scenario.run(
      { adapter: 'claude', timeBox: '30s', verifyWindow: '1s' },
      { adapterOptions: { cli: { tmux: tmuxOpt, env: cliEnv({ FAKE_AGENT_MODE: 'fork', FAKE_AGENT_PIDS_FILE: pidsFile, FAKE_AGENT_LINGER_MS: '300' }) } } },
      `inc-leftovers-${runner}`,
    );
    const pids = JSON.parse(await fs.readFile(pidsFile, 'utf8')) as number[];
    expect(pids).toHaveLength(3);
    const left = pids.filter(alive);
    // (cleanup before asserting, so a failure leaks nothing)
    for (const pid of left) process.kill(pid, 'SIGKILL');
    expect(left).toEqual([]);
    expect(r.outcome).toBe('fixed');
    // Named in the transcript (the bare PTY's group is ended with the PTY, the escaped ones after it; the agent itself
    // when it had not quite exited).
    expect(await fs.readFile(r.transcriptPath!, 'utf8')).toMatch(/\[clawback\] ended [1-4] process\(es\) the agent left running/);
  });
});
