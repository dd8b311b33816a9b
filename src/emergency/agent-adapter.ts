// The one interface every Level 3 agent plugs in through, CLI agent in tmux or HTTP model with tools.
import type { Clock } from '../platform/clock.js';
import type { Redactor } from '../observe/redact.js';
import type { EmergencyConfig } from './emergency-schema.js';
import type { EmergencyHost } from './tool-host.js';
import type { ProtectedGuard } from './tool-set.js';

export interface RefusedCall {
  tool: string;
  reason: string;
}

export interface AgentStartInfo {
  /** For agents in tmux: the command a human runs to watch (and take over). */
  attachCommand?: string;
  /** tmux session name, PTY pid, or endpoint: what is running. */
  handle?: string;
}

export interface AgentSession {
  incidentId: string;
  serviceName: string;
  /** Redacted, fenced prompt. */
  prompt: string;
  /** The same prompt in a 0600 file (CLI agents read it from there). */
  promptFile: string;
  /** The agent's working directory (the service's cwd). */
  workdir: string;
  /** <stateDir>/incidents/<id>: scratch space for this run. */
  incidentDir: string;
  /** Absolute paths the agent may change. */
  allowedPaths: string[];
  /**
   * The service's config file (absolute), readable (and, in fix mode with a configured working directory,
   * editable) by the agent.
   */
  configPath?: string;
  /**
   * False when the service has no `cwd` in the config (workdir is only the daemon's directory): the agent
   * then edits nothing at all. Undefined counts as configured (older callers).
   */
  workdirConfigured?: boolean;
  mode: 'fix' | 'propose';
  /** The config's protected settings and format, for tools that write it (refused at once when one would be lost). */
  guard?: ProtectedGuard;
  config: EmergencyConfig;
  host: EmergencyHost;
  redactor: Redactor;
  clock: Clock;
  /** Aborted at the time-box deadline (reason 'timeout') or when the run is cancelled. */
  signal: AbortSignal;
  /** Called once when the agent is actually running (process up / first request sent). */
  onStarted(info: AgentStartInfo): void;
  /** Called for each tool call Clawback refused to execute. */
  onRefused(call: RefusedCall): void;
}

export interface AgentRunResult {
  /** completed: the agent ended by itself; failed: it could not run or errored; aborted: killed at the signal. */
  status: 'completed' | 'failed' | 'aborted';
  /** The agent's own account (finish(summary), the final text, or the tail of its output). */
  summary: string;
  /** Everything the agent said and did, for <incident>/transcript.txt (redacted again by the runner). */
  transcript: string;
  exitCode?: number | null;
  refused: RefusedCall[];
  /** What the run could not do to contain the agent (no PID namespace, state dir readable): journaled as warnings. */
  warnings?: string[];
  /**
   * Why the agent itself never ran although its tmux/PTY came up (its binary or its `#!` interpreter not there, not
   * executable): no attempt, its budget is given back. Absent: the agent ran (or the adapter cannot tell).
   */
  notStarted?: string;
  /**
   * The agent used all its turns (maxTurns) without saying it was done: an unfinished run. Clawback still verifies
   * (the service may be healthy) and reverts if that fails, but says it ran out of turns, never "finished".
   */
  outOfTurns?: number;
}

export interface AgentAdapter {
  readonly name: string;
  /**
   * How finely the agent's edit permission is granted: per file (Claude's rules, our own tools) or per directory
   * (Codex's sandbox). Per directory, a config outside the working directory is edited as a copy (config-stage.ts).
   */
  readonly writeReach?: 'paths' | 'directories';
  run(session: AgentSession): Promise<AgentRunResult>;
}
