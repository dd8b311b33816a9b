// Runs a CLI coding agent (claude, codex, gemini, a command template) in tmux or a bare PTY, time-boxed, recorded.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AgentAdapter, AgentRunResult, AgentSession } from './agent-adapter.js';
import { TmuxSession, tmuxAvailable, tmuxSessionName } from './tmux-session.js';
import { runInPty } from './pty-session.js';
import { redactedLastLines, stripTerminal } from './terminal-text.js';
import { formatDuration } from '../config/duration.js';
import { outsideDir } from './config-stage.js';
import { PaneOutputFiles } from './output-cap.js';
import { interpreterScript } from './interpreter-script.js';
import { npxNeeds } from './npx-package.js';
import { AGENT_RUN_ENV, endAgentLeftovers, markedProcesses, runLimitMark, watchDescendants } from './agent-leftovers.js';
import { agentEnv, baseAgentEnv } from './agent-env.js';
import { NO_PID_NAMESPACE, pidNamespaceLines } from './pid-namespace.js';
import { signalGroupOf, type LeaderRef } from '../platform/signal-group.js';
import { writeNewFile } from '../platform/atomic-write.js';

/**
 * An argv element: literal text, or the prompt (read from the 0600 prompt file by the launcher). PROMPT_ARG puts the
 * prompt in the argv, which every local user reads in /proc/<pid>/cmdline; PROMPT_STDIN adds no word and gives the
 * agent the prompt file as its stdin instead, for every agent CLI that reads its prompt there.
 */
export type ArgvPart = string | { prompt: true } | { promptStdin: true };
export const PROMPT_ARG: ArgvPart = { prompt: true };
export const PROMPT_STDIN: ArgvPart = { promptStdin: true };

export interface CliAgentOptions {
  /** tmux socket and path; false runs the agent under node-pty without tmux (no attach). Default: stateTmuxSocket. */
  tmux?: { socket?: string; tmuxPath?: string } | false;
  /** Extra env for the agent (PATH, keys…), over the allowlisted part of the daemon's (agent-env.ts); nothing else is inherited. */
  env?: Record<string, string>;
}

/** The socket every daemon used before each state dir had its own: still looked at for a session of the run's name. */
export const DEFAULT_TMUX_SOCKET = 'clawback';

/**
 * The tmux socket of one state dir ("clawback-" and 12 hex of its path): two daemons of one user (two state dirs) on
 * the shared "clawback" socket saw each other's sessions, and a run whose session name matched another daemon's
 * (same service name and incident id) killed that daemon's live agent as "left by a dead daemon".
 */
export function stateTmuxSocket(stateDir: string): string {
  return `${DEFAULT_TMUX_SOCKET}-${createHash('sha256').update(path.resolve(stateDir)).digest('hex').slice(0, 12)}`;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * What an agent whose sandbox reads the whole disk (Codex: by design, in every mode) must not see: Clawback's state dir
 * (the API token, the spool's webhook URLs, other services' unredacted snapshots), hidden under an empty tmpfs in a
 * mount namespace of its own; the run's incident dir (prompt, staged config copy) and the service's log are put back.
 */
export interface HiddenState {
  stateDir: string;
  incidentDir: string;
  /** The service's log, when it lies in the state dir: put back read-only. */
  logFile?: string;
}

/**
 * The state dir to hide for this session, or undefined when hiding it would take away what the agent is given (its
 * working directory or an allowed path in the state dir, outside the incident dir).
 */
export function stateToHide(session: Pick<AgentSession, 'incidentDir' | 'workdir' | 'allowedPaths' | 'configPath' | 'host'>): HiddenState | undefined {
  const incidentDir = path.resolve(session.incidentDir);
  const stateDir = path.resolve(incidentDir, '..', '..');
  const under = (p: string, d: string): boolean => p === d || p.startsWith(`${d}${path.sep}`);
  const given = [path.resolve(session.workdir), ...confinedPaths(session)];
  if (given.some((p) => under(stateDir, p) || (under(p, stateDir) && !under(p, incidentDir)))) return undefined;
  const log = path.resolve(session.host.logFile);
  return { stateDir, incidentDir, ...(under(log, stateDir) && !under(log, incidentDir) ? { logFile: log } : {}) };
}

/**
 * Runs in the new mount namespace ($1 state dir, $2 incident dir, $3 log file or '', then the command): the directories
 * to put back are opened first (a bind mount's source must be of this namespace), then the tmpfs goes over the state dir.
 */
const HIDE_STATE_SH = [
  's=$1 i=$2 l=$3; shift 3',
  'exec 3<"$i" || exit 96',
  'if [ -n "$l" ] && [ -f "$l" ]; then exec 4<"$l" || exit 96; else l=; fi',
  'mount -t tmpfs -o mode=0700,size=64k clawback-hidden "$s" || exit 96',
  'mkdir -p "$i" && mount -c --bind /proc/self/fd/3 "$i" || exit 96',
  'if [ -n "$l" ]; then mkdir -p "${l%/*}" && : > "$l" && mount -c --bind -o ro /proc/self/fd/4 "$l" || exit 96; fi',
  'exec 3<&- 4<&-',
  'exec "$@"',
].join('\n');

/** How the launcher's line begins when the state dir could not be hidden (hiddenStateCommand). */
const STATE_NOT_HIDDEN = '[clawback] could not hide the state dir ';

/**
 * What the launcher said it could not do to contain the agent (no PID namespace, the state dir left readable): only in
 * the transcript otherwise, they are returned for the run to journal as warnings. The launcher prints them before the
 * agent starts; one the agent printed itself only adds a warning, it never hides one.
 */
export function containmentFallbacks(text: string): string[] {
  const lines = text.split('\n').map((l) => l.trim());
  return [...new Set(lines.filter((l) => l === NO_PID_NAMESPACE || l.startsWith(STATE_NOT_HIDDEN)))].map((l) => l.replace(/^\[clawback\] /, ''));
}

/**
 * The agent's command line, inside a mount namespace hiding the state dir when one is given (and can be made), the
 * whole of it in the run's PID namespace (`contain`, pid-namespace.ts).
 */
function hiddenStateCommand(words: string, hide: HiddenState | undefined): string[] {
  if (!hide) return [`contain ${words}`];
  const args = [hide.stateDir, hide.incidentDir, hide.logFile ?? ''].map(shellQuote).join(' ');
  // root needs no user namespace (and keeps its access to other users' files); anyone else maps itself to root in one.
  const ns = `unshare "$ns" sh -c ${shellQuote(HIDE_STATE_SH)} clawback-hide ${args}`;
  return [
    'ns=-Urm; [ "$(id -u)" -eq 0 ] && ns=-m',
    `if command -v unshare >/dev/null 2>&1 && ${ns} true >/dev/null 2>&1; then`,
    `  contain ${ns} ${words}`,
    'else',
    `  printf '%s\\n' ${shellQuote(`${STATE_NOT_HIDDEN}${hide.stateDir} in a mount namespace (unshare): the agent can read it`)}`,
    `  contain ${words}`,
    'fi',
  ];
}

/**
 * How long past its time-box the launcher ends the run itself. The daemon ends it at the time-box; this is for a daemon
 * that is gone (killed -9, its next start refused), after which nothing else would, and the agent edited on for ever.
 */
export const LAUNCHER_DEADLINE_MARGIN_MS = 15_000;

/**
 * The launcher's own deadline, in the background: at time-box + margin, SIGTERM to the run's process group (the
 * agent and what it started there; the watch itself ignores it), 5 s, SIGKILL. The launcher ends it (TERM, waited
 * for, its sleep with it) once the agent has exited, so nothing of it is left for the leftovers' count.
 */
function deadlineWatch(session: AgentSession): string[] {
  const secs = Math.ceil((session.config.timeBox + LAUNCHER_DEADLINE_MARGIN_MS) / 1000);
  const said = `[clawback] time-box of ${formatDuration(session.config.timeBox)} passed and no Clawback daemon ended this run: ending it`;
  return [
    // ($! unquoted: empty before the sleep has started, when there is nothing to end and `wait` waits for nothing.)
    `( trap 'kill $! 2>/dev/null; wait $! 2>/dev/null; exit 0' TERM; sleep ${secs} & wait $!; trap '' TERM; printf '\n%s\n' ${shellQuote(said)}; kill -TERM 0; sleep 5; kill -KILL 0 ) &`,
    'deadline=$!',
  ];
}

/** Where the launcher says the agent's binary never ran (agentMissingCheck), beside the exit status. */
export function notStartedFile(exitFile: string): string {
  return `${exitFile}.not-started`;
}

/**
 * Before the agent: its binary (on the agent's PATH, or a path from the working directory) and a `#!` interpreter of
 * it must be there and executable. Otherwise the shell's 127/126 would read as a run of the agent that failed at once
 * (a paid, tried run); the launcher writes why to notStartedFile and the status 127 or 126, and the agent is not run.
 */
function agentMissingCheck(argv: ArgvPart[], exitFile: string): string[] {
  const cmd = argv[0];
  if (typeof cmd !== 'string') return [];
  const notRun = shellQuote(notStartedFile(exitFile));
  return [
    `agent_cmd=${shellQuote(cmd)} why= why_code=127`,
    'case $agent_cmd in',
    '  */*) agent_bin=$agent_cmd ;;',
    '  *) agent_bin=$(command -v -- "$agent_cmd" 2>/dev/null) || agent_bin= ;;',
    'esac',
    'if [ -z "$agent_bin" ]; then why="the agent command $agent_cmd was not found on the PATH given to the agent ($PATH)"',
    'elif [ "${agent_bin#/}" = "$agent_bin" ] && [ "${agent_bin#*/}" = "$agent_bin" ]; then :',
    'elif [ ! -e "$agent_bin" ]; then why="the agent command $agent_bin does not exist"',
    'elif [ -d "$agent_bin" ] || [ ! -x "$agent_bin" ]; then why="the agent command $agent_bin is not executable (a directory, or no execute permission)" why_code=126',
    'else',
    '  agent_line=; IFS= read -r agent_line < "$agent_bin" 2>/dev/null',
    '  case $agent_line in',
    '    "#!"*) agent_int=${agent_line#??}; agent_int=${agent_int#"${agent_int%%[! ]*}"}; agent_int=${agent_int%% *}',
    '      if [ -n "$agent_int" ] && [ ! -x "$agent_int" ]; then why="the interpreter $agent_int named in the #! line of the agent command $agent_bin is not there (or not executable)"; fi ;;',
    '  esac',
    'fi',
    ...scriptMissingCheck(argv),
    ...npxMissingCheck(argv),
    'if [ -n "$why" ]; then',
    `  printf '%s\n' "$why" > ${notRun}`,
    `  printf '%s\n' "$why_code" > ${shellQuote(`${exitFile}.tmp`)} && mv ${shellQuote(`${exitFile}.tmp`)} ${shellQuote(exitFile)}`,
    `  printf '[clawback] the agent never ran: %s\n' "$why"`,
    '  exit "$why_code"',
    'fi',
  ];
}

/**
 * An interpreter's script (`sh x.sh`, `node /path/agent.js`; interpreter-script.ts) must be there and readable, as the
 * binary must: else the interpreter's own error (127, 1, 2) would read as a paid run that failed at once.
 */
function scriptMissingCheck(argv: ArgvPart[]): string[] {
  const found = interpreterScript(argv);
  if (!found) return [];
  const onPath = found.searchesPath && !found.script.includes('/');
  return [
    `agent_script=${shellQuote(found.script)} agent_interp=${shellQuote(found.interpreter)}`,
    'if [ -z "$why" ] && [ ! -e "$agent_script" ]; then',
    onPath
      ? '  agent_found=; agent_ifs=$IFS; IFS=:; for agent_dir in $PATH; do [ -f "${agent_dir:-.}/$agent_script" ] && agent_found=1 && break; done; IFS=$agent_ifs'
      : '  agent_found=',
    '  [ -n "$agent_found" ] || why="the script $agent_script given to $agent_interp does not exist (looked from $PWD)"',
    'elif [ -z "$why" ] && { [ -d "$agent_script" ] || [ ! -r "$agent_script" ]; }; then',
    '  why="the script $agent_script given to $agent_interp is not readable (a directory, or no read permission)" why_code=126',
    'fi',
  ];
}

/**
 * An `npx <package>` agent (npx-package.ts): npx must find the package here (a bin in node_modules/.bin from the working
 * directory up, npm's global bin, or the project's or npx cache's tree, asked with `npm exec --offline --no`). Else npx
 * would download it, which an offline machine retries for minutes: that is an agent not installed, not a run.
 */
function npxMissingCheck(argv: ArgvPart[]): string[] {
  const needs = npxNeeds(argv);
  if (!needs) return [];
  const pkgs = needs.packages.length > 0 ? needs.packages : [needs.command!];
  const bin = needs.packages.length === 0 ? shellQuote(needs.command!) : '';
  return [
    'if [ -z "$why" ]; then',
    '  agent_npm="${agent_bin%/*}/npm"; [ "${agent_bin#*/}" != "$agent_bin" ] && [ -x "$agent_npm" ] || agent_npm=npm',
    '  agent_npx_ok= agent_dir=$PWD',
    ...(bin
      ? [
          `  while [ -n "$agent_dir" ]; do [ -x "$agent_dir/node_modules/.bin/"${bin} ] && agent_npx_ok=1 && break; agent_dir=\${agent_dir%/*}; done`,
          `  [ -n "$agent_npx_ok" ] || { agent_g=$("$agent_npm" prefix -g 2>/dev/null) && [ -x "$agent_g/bin/"${bin} ] && agent_npx_ok=1; }`,
        ]
      : []),
    '  agent_to=; command -v timeout >/dev/null 2>&1 && agent_to="timeout 60"',
    `  [ -n "$agent_npx_ok" ] || $agent_to "$agent_npm" exec --offline --no ${pkgs.map((p) => shellQuote(`--package=${p}`)).join(' ')} -- true >/dev/null 2>&1 </dev/null && agent_npx_ok=1`,
    `  [ -n "$agent_npx_ok" ] || why=${shellQuote(`the agent command ${argv.filter((a): a is string => typeof a === 'string').slice(0, 4).join(' ')} needs the npm package ${pkgs.join(', ')}, which npx cannot find on this machine (not in node_modules/.bin from the working directory up, not in npm's global bin, not in the npx cache): npx would download it from the registry (minutes of retries when offline); install it first (npm install -g ${pkgs.join(' ')}) or name its binary`)}`,
    'fi',
  ];
}

/** The launcher script: a banner, the agent (under its own deadline), its exit status written atomically to exitFile. */
export function launcherScript(session: AgentSession, argv: ArgvPart[], exitFile: string, envFile?: string, hide?: HiddenState): string {
  const prompt = shellQuote(session.promptFile);
  const words = argv.flatMap((a) => (typeof a === 'string' ? [shellQuote(a)] : 'prompt' in a ? [`"$(cat ${prompt})"`] : []));
  if (argv.some((a) => typeof a !== 'string' && 'promptStdin' in a)) words.push(`< ${prompt}`);
  const banner = `[clawback] Level 3 ${session.mode} session for service ${session.serviceName}, incident ${session.incidentId}; time-box ${formatDuration(session.config.timeBox)}. Clawback verifies health afterwards and reverts changed files on failure.`;
  return [
    '#!/bin/sh',
    '# Written by Clawback for one Level 3 run; safe to delete after the incident.',
    '# Every file this session creates (the exit status among them) is private to the user.',
    'umask 077',
    // The agent's environment (its keys among them), kept out of the tmux server and of any argv: read once, removed.
    ...(envFile ? [`. ${shellQuote(envFile)}`, `rm -f ${shellQuote(envFile)}`] : []),
    `printf '%s\\n' ${shellQuote(banner)}`,
    `cd ${shellQuote(session.workdir)} || exit 97`,
    ...agentMissingCheck(argv, exitFile),
    // The run's mark that survives `env -i` and `setsid` (agent-leftovers.ts); without prlimit, the env mark alone.
    `command -v prlimit >/dev/null 2>&1 && prlimit --pid $$ --rttime=${runLimitMark(path.resolve(session.incidentDir))}: >/dev/null 2>&1`,
    ...deadlineWatch(session),
    ...pidNamespaceLines(),
    ...hiddenStateCommand(words.join(' '), hide),
    'code=$?',
    'kill "$deadline" 2>/dev/null; wait "$deadline" 2>/dev/null',
    `printf '%s\\n' "$code" > ${shellQuote(`${exitFile}.tmp`)} && mv ${shellQuote(`${exitFile}.tmp`)} ${shellQuote(exitFile)}`,
    `printf '\\n[clawback] agent exited with status %s\\n' "$code"`,
    'exit "$code"',
    '',
  ].join('\n');
}

export class CliAgentAdapter implements AgentAdapter {
  constructor(
    readonly name: string,
    private readonly build: (session: AgentSession) => ArgvPart[],
    private readonly opts: CliAgentOptions = {},
    readonly writeReach: 'paths' | 'directories' = 'paths',
    /** Its sandbox reads the whole disk (Codex): the state dir is hidden from it (HiddenState). */
    private readonly readsWholeDisk = false,
    /** How this CLI says it stopped at its turn limit (its output, exit code): the turns used, or undefined. */
    private readonly turnLimit?: (text: string, exitCode: number | null) => number | undefined,
  ) {}

  /** The argv this adapter would run (for reports and tests). */
  argvFor(session: AgentSession): ArgvPart[] {
    return this.build(session);
  }

  async run(session: AgentSession): Promise<AgentRunResult> {
    // The agent's tmux clients reach only servers of this run (TMUX_TMPDIR): a `tmux new -d` of its own would otherwise
    // go to a person's running server (or Clawback's), outlive the run with none of its marks, and type into their panes.
    const tmuxDir = await fs.mkdtemp(path.join(os.tmpdir(), 'clawback-agent-tmux-'));
    try {
      return await this.runWith(session, tmuxDir);
    } finally {
      // (its servers were ended with the run's other processes: they carry its marks)
      await fs.rm(tmuxDir, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  private async runWith(session: AgentSession, tmuxDir: string): Promise<AgentRunResult> {
    const launcher = path.join(session.incidentDir, 'agent-launch.sh');
    const exitFile = path.join(session.incidentDir, 'agent-exit-status');
    const rawFile = path.join(session.incidentDir, 'agent-output.raw');
    await fs.rm(exitFile, { force: true });
    await fs.rm(notStartedFile(exitFile), { force: true });
    // The run's own files, each new (writeNewFile): a disk that refuses one (full) leaves none of them behind, where an
    // empty launcher and output file were left in the incident dir at each refused launch.
    const written: string[] = [];
    const writeRunFile = async (file: string, text: string): Promise<void> => {
      await fs.rm(file, { force: true });
      try {
        await writeNewFile(file, text);
      } catch (e) {
        for (const f of written.splice(0)) await fs.rm(f, { force: true }).catch(() => undefined);
        throw e;
      }
      written.push(file);
    };
    await writeRunFile(rawFile, '');
    // Every process of this run carries the mark, so whatever it leaves running (`nohup`, `setsid`) is found and ended.
    const marker = path.resolve(session.incidentDir);
    const tmuxOpts = this.opts.tmux === false ? undefined : (this.opts.tmux ?? {});
    const useTmux = tmuxOpts !== undefined && (await tmuxAvailable(tmuxOpts.tmuxPath));
    // Never the daemon's whole environment: the agent reads untrusted log text.
    const env = agentEnv(process.env, this.name, session.config, { ...this.opts.env, [AGENT_RUN_ENV]: marker, TMUX_TMPDIR: tmuxDir });
    const envFile = useTmux ? path.join(session.incidentDir, 'agent-env') : undefined;
    if (envFile) {
      const lines = Object.entries(env).filter(([k]) => k !== 'TERM').map(([k, v]) => `export ${k}=${shellQuote(v)}`);
      await writeRunFile(envFile, `${lines.join('\n')}\n`);
    }
    // Run as `sh launcher` (tmux and PTY alike), so it needs no execute bit: 0600 like every file of the session.
    const hide = this.readsWholeDisk && process.platform === 'linux' ? stateToHide(session) : undefined;
    await writeRunFile(launcher, launcherScript(session, this.build(session), exitFile, envFile, hide));
    // Why tmux was given up for the bare PTY, when it was: said in the run's output.
    let tmuxRefused: string | undefined;
    let output: string;
    let exitCode: number | null;
    let aborted: boolean;
    let paneLeader: LeaderRef | undefined;
    // The run's root (the tmux pane's launcher, or the PTY's shell) once it is known: its tree is watched from then on.
    let root: number | undefined;
    const tree = watchDescendants(() => root, session.clock);
    let tmux: TmuxSession | undefined;
    // The pane's output goes to rawFile through the pane writer: bounded on disk by the writer itself, at any rate.
    const paneOut = new PaneOutputFiles(rawFile);
    try {
      if (useTmux) {
        const stateDir = path.resolve(session.incidentDir, '..', '..');
        const sessionOn = (socket: string): TmuxSession =>
          new TmuxSession(tmuxSessionName(session.serviceName, session.incidentId), {
            socket,
            tmuxPath: tmuxOpts.tmuxPath,
            // The client starts the server: it gets the plain variables only (and where the socket lives), no key.
            env: { ...baseAgentEnv(process.env), ...(process.env.TMUX_TMPDIR ? { TMUX_TMPDIR: process.env.TMUX_TMPDIR } : {}) },
            sessionEnv: { [AGENT_RUN_ENV]: marker },
          });
        tmux = sessionOn(tmuxOpts.socket ?? stateTmuxSocket(stateDir));
        // A session of the same name left by a daemon that died mid-run is ours to end: on the old shared socket only
        // when it runs this very run (its mark), never another state dir's session that happens to share the name.
        if (await tmux.exists()) await tmux.kill(session.clock);
        if (tmuxOpts.socket === undefined) {
          const legacy = sessionOn(DEFAULT_TMUX_SOCKET);
          if (await legacy.exists()) {
            const pid = await legacy.panePid();
            if (pid !== undefined && markedProcesses(marker).some((p) => p.pid === pid)) await legacy.kill(session.clock);
          }
        }
        try {
          root = await tmux.start(launcher, session.workdir, rawFile, paneOut.pipeCommand());
        } catch (e) {
          // A session that started all the same (a later command of the same call failed) is not run twice: ended, failed.
          if (await tmux.exists()) {
            await tmux.kill(session.clock);
            await tree.stop();
            if (envFile) await fs.rm(envFile, { force: true });
            return { status: 'failed', summary: `could not start tmux session: ${(e as Error).message}`, transcript: '', refused: [] };
          }
          // A tmux that cannot start a server (a socket dir it calls unsafe, a socket path too long, a full /tmp) is no
          // reason to spend the run: the bare PTY, as without tmux, with the environment given directly.
          tmuxRefused = (e as Error).message;
        }
      }
      if (tmux !== undefined && tmuxRefused === undefined) {
        session.onStarted({ attachCommand: tmux.attachCommand(), handle: tmux.name });
        const out = paneOut;
        const r = await tmux.wait(exitFile, session.clock, session.signal, 500);
        exitCode = r.exitCode;
        aborted = r.aborted;
        await fs.chmod(exitFile, 0o600).catch(() => undefined);
        await settle(out, session);
        output = await out.readTail();
        // Unredacted terminal bytes: the runner keeps only the redacted transcript.
        await out.removeAll();
        paneLeader = tmux.leaderRef();
        // Read and removed by the launcher; a launcher that never ran leaves it here.
        if (envFile) await fs.rm(envFile, { force: true });
      } else {
        if (tmuxRefused !== undefined) {
          if (envFile) await fs.rm(envFile, { force: true });
          await writeRunFile(launcher, launcherScript(session, this.build(session), exitFile, undefined, hide));
        }
        const r = await runInPty({
          launcher,
          cwd: session.workdir,
          env,
          clock: session.clock,
          signal: session.signal,
          onStarted: (pid) => {
            root = pid;
            session.onStarted({ handle: `pty pid ${pid}` });
          },
        });
        exitCode = r.exitCode;
        aborted = r.aborted;
        output = tmuxRefused === undefined ? r.output : `[clawback] tmux could not start a session (${tmuxRefused}): the agent ran in a bare PTY (no attach)\r\n${r.output}`;
        await fs.chmod(exitFile, 0o600).catch(() => undefined);
      }
    } catch (e) {
      // (the watch is a timer loop: it ends with the run, whichever way the run ends)
      await tree.stop();
      throw e;
    }
    // Nothing of the run may act after it (edit files during the verdict, answer health checks in the service's place).
    const seen = await tree.stop();
    const leftovers = await endAgentLeftovers(marker, session.clock, undefined, seen.alive());
    // The pane's group, where no /proc lists the mark: only while its pid is the launcher's or free (then what is left
    // of its group is the run's); once a newcomer holds the pid, that group is the newcomer's.
    if (paneLeader !== undefined) signalGroupOf(paneLeader, 'SIGKILL');
    if (leftovers.length > 0) output += `\r\n[clawback] ended ${leftovers.length} process(es) the agent left running (pid ${leftovers.join(', ')})\r\n`;
    const text = stripTerminal(output);
    // Redacted before it is cut to its last lines and characters (a cut through a secret leaves a tail no redaction
    // knows), in a window around the end only.
    const tail = redactedLastLines(text.split('\n').filter((l) => !l.startsWith('[clawback]')).join('\n'), 15, (t) => session.redactor.redact(t));
    // The signal is the time-box's (reason 'timeout') or a cancellation (a person took over, the daemon stops, a reload).
    const why = (session.signal.reason as Error | undefined)?.message === 'timeout' ? 'killed at the time-box' : 'stopped: the run was cancelled';
    const warnings = containmentFallbacks(text);
    if (aborted) return { status: 'aborted', summary: `${why}; last output:\n${tail}`, transcript: text, exitCode: null, refused: [], warnings };
    // The launcher's check found no agent to run: its tmux/PTY came up, the agent never did (no attempt, no budget spent).
    const notStarted = (await fs.readFile(notStartedFile(exitFile), 'utf8').catch(() => '')).trim();
    await fs.rm(notStartedFile(exitFile), { force: true });
    if (notStarted !== '') return { status: 'failed', summary: notStarted, transcript: text, exitCode, refused: [], warnings, notStarted };
    // Stopped at its turn limit (Claude Code: exit 1, or 0 in some versions): no failure and no finish, an unfinished run.
    const outOfTurns = this.turnLimit?.(text, exitCode);
    if (outOfTurns !== undefined) return { warnings, status: 'completed', outOfTurns, summary: tail, transcript: text, exitCode, refused: [] };
    return {
      warnings,
      status: exitCode === 0 ? 'completed' : 'failed',
      summary: tail || `(no output; exit status ${exitCode ?? 'unknown'})`,
      transcript: text,
      exitCode,
      refused: [],
    };
  }
}

/** Whether the agent may edit files at all: only with a configured working directory, and only in fix mode. */
export function editsAllowed(session: Pick<AgentSession, 'mode' | 'workdirConfigured'>): boolean {
  return session.mode === 'fix' && session.workdirConfigured !== false;
}

/**
 * A working directory too broad to hand to an agent for edits (and to snapshot and put back whole): the home
 * directory or one of its ancestors (/home, /). Other programs write there during the run (shell history,
 * settings, caches), and a revert would undo their writes along with the agent's.
 */
export function tooBroadToEdit(dir: string, home = os.homedir()): boolean {
  const d = path.resolve(dir);
  const h = path.resolve(home);
  return d === h || h.startsWith(d === path.sep ? d : `${d}${path.sep}`);
}

/**
 * What the agent may touch: the service's working directory and its config file, nothing else. An allowed
 * path outside both (a misconfigured emergency.allowedPaths) is dropped rather than granted. Without a known
 * configPath, the caller's allowedPaths (by default [config file, workdir]) are taken as they are.
 */
export function confinedPaths(session: Pick<AgentSession, 'workdir' | 'allowedPaths' | 'configPath'>): string[] {
  const root = path.resolve(session.workdir);
  const inside = (p: string): boolean => p === root || p.startsWith(`${root}${path.sep}`);
  const config = session.configPath ? path.resolve(session.configPath) : undefined;
  const out = new Set<string>();
  for (const p of session.allowedPaths.map((x) => path.resolve(x))) if (config === undefined || inside(p) || p === config) out.add(p);
  if (config) out.add(config);
  return [...out];
}

/**
 * For agents granted whole directories (Codex, Gemini): the directories to add beside the working directory, which is
 * granted whole already. Only a confined path outside it (the config, or its working copy) needs one, and then its
 * own directory, never the workdir's parent: a directory grant reaches everything in it.
 */
export function outsideDirs(session: Pick<AgentSession, 'workdir' | 'allowedPaths' | 'configPath'>): string[] {
  return [...new Set(confinedPaths(session).filter((p) => outsideDir(p, session.workdir)).map((p) => path.dirname(p)))];
}

/** Waits (briefly, bounded) for the pane writer to flush what the pane sent and end: until it says it has ended. */
async function settle(out: PaneOutputFiles, session: AgentSession): Promise<void> {
  for (let i = 0; i < 30; i++) {
    if ((await out.ended()) !== undefined) return;
    await session.clock.sleep(100);
  }
}
