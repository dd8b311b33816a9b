// Claude Code in print mode with an explicit tool allowlist: no trust prompt to press, no blanket permission skip.
//
// Flags relied on (Claude Code CLI reference, docs.anthropic.com/en/docs/claude-code/cli-reference, and the
// permission-modes page, code.claude.com/docs/en/permission-modes):
//   -p/--print "<prompt>"          non-interactive; the workspace trust dialog is skipped in print mode   [verified in docs]
//   -p with no prompt word          the prompt is read from stdin (`cat prompt.md | claude -p`): kept out of the argv,
//                                   which every local user can read in /proc/<pid>/cmdline                 [verified in docs]
//   --output-format text            plain text, readable by a human attached to tmux                       [verified]
//   --max-turns N                   bounded agent turns in print mode                                      [verified]
//   --permission-mode acceptEdits   edits auto-accepted; anything else needs an allow rule                 [verified]
//   --permission-mode plan          read-only analysis (our propose mode)                                   [verified]
//   --allowedTools "A,B,…"          tools allowed without a prompt; "Bash(curl:*)" prefix rules             [verified]
//   --disallowedTools "A,B,…"       tools removed outright (we deny Bash, WebFetch, WebSearch)              [verified in docs]
//   --permission-mode default       nothing auto-accepted: in print mode an edit is denied                   [verified]
//   --model NAME                                                                                           [verified]
//   Edit(//abs/path) rules: path rules apply to Edit/Read, "//" marks an absolute path                     [NOT verified against a
//   real claude: taken from the permissions docs as quoted by a secondary source]
// In print mode a tool call that would need a prompt is denied, so the allowlist is the whole reach, except
// for read-only tools (Read, Grep, Glob) inside the start directory, which need no approval: hence the start
// directory is the service's configured cwd or an empty one (run-emergency.ts), and the deny rules below.
import os from 'node:os';
import path from 'node:path';
import type { AgentSession } from './agent-adapter.js';
import { CliAgentAdapter, PROMPT_STDIN, confinedPaths, editsAllowed, type ArgvPart, type CliAgentOptions } from './cli-agent.js';
import { skippedPatterns, skippedUnder } from './file-tree.js';

function absRule(p: string): string {
  return `//${path.resolve(p).replace(/^\/+/, '')}`;
}

/** A directory rule covers everything under it. */
function pathRule(p: string, isDir: boolean): string {
  return isDir ? `${absRule(p)}/**` : absRule(p);
}

/** No shell and no network: health checks are Clawback's own job, and a shell reads any file. */
export const CLAUDE_DENIED_TOOLS = ['Bash', 'WebFetch', 'WebSearch'];

/**
 * Deny rules (they beat every allow rule) for secrets a working directory may contain: Clawback's API token
 * (the state dir is <stateDir>/incidents/<id>/..) and ~/.ssh, for a service whose cwd is a home directory.
 */
export function secretReadDenials(session: Pick<AgentSession, 'incidentDir'>, home = os.homedir()): string[] {
  const stateDir = path.resolve(session.incidentDir, '..', '..');
  return [`Read(${absRule(path.join(stateDir, 'token'))})`, `Read(${pathRule(path.join(home, '.ssh'), true)})`];
}

export function claudeArgv(session: AgentSession): ArgvPart[] {
  const cfg = session.config;
  const workdir = path.resolve(session.workdir);
  const paths = confinedPaths(session);
  // Reads: the working directory (when configured) and the config file; never the state dir, ~/.ssh or the token.
  const readable = new Set<string>();
  if (session.workdirConfigured !== false) readable.add(pathRule(workdir, true));
  for (const p of paths) {
    if (p === workdir) continue;
    readable.add(absRule(p));
    if (p !== (session.configPath && path.resolve(session.configPath))) readable.add(pathRule(p, true));
  }
  const reads = [...readable].map((r) => `Read(${r})`);
  const edits = editsAllowed(session)
    ? paths.filter((p) => p !== workdir || session.workdirConfigured !== false).map((p) => `Edit(${pathRule(p, p === workdir)})`)
    : [];
  // What a snapshot of the working directory leaves out (dependencies, version control, logs, databases) is not
  // the agent's to edit either: a failed run could not be put back there. Unless the config itself lies there.
  const config = session.configPath ? path.resolve(session.configPath) : undefined;
  const editDirs = editsAllowed(session) && session.workdirConfigured !== false ? paths.filter((p) => p === workdir) : [];
  const editDenials = editDirs.filter((d) => !config || !skippedUnder(config, d)).flatMap((d) => skippedPatterns().map((g) => `Edit(${absRule(d)}/${g})`));
  // A state dir inside the working directory is within its grants: denied whole (its snapshot, which a revert
  // trusts, the token, learnings that go into later prompts, state.json are Clawback's), unless the config lies in it.
  const stateDir = path.resolve(session.incidentDir, '..', '..');
  const stateInside = session.workdirConfigured !== false && stateDir.startsWith(`${workdir}${path.sep}`) && !(config && config.startsWith(`${stateDir}${path.sep}`));
  const stateDenials = stateInside ? [`Read(${pathRule(stateDir, true)})`, `Edit(${pathRule(stateDir, true)})`] : [];
  const tools = [...reads, ...edits];
  const argv: ArgvPart[] = [cfg.binary ?? 'claude', '-p', PROMPT_STDIN, '--output-format', 'text', '--max-turns', String(cfg.maxTurns)];
  argv.push('--permission-mode', session.mode === 'propose' ? 'plan' : edits.length > 0 ? 'acceptEdits' : 'default');
  argv.push('--allowedTools', tools.join(','));
  argv.push('--disallowedTools', [...CLAUDE_DENIED_TOOLS, ...secretReadDenials(session), ...editDenials, ...stateDenials].join(','));
  if (cfg.model) argv.push('--model', cfg.model);
  return argv;
}

/**
 * The turns Claude Code used when it stopped at --max-turns, from its text output: its last line (not one of
 * Clawback's own) is "Error: Reached max turns (N)" (newer versions: "Reached maximum number of turns (N)"), exit 1
 * (0 in some versions). Only the last line: the same words quoted earlier (from a log it read) are no turn limit.
 */
export function claudeOutOfTurns(text: string, exitCode: number | null): number | undefined {
  if (exitCode !== 0 && exitCode !== 1) return undefined;
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('[clawback]'));
  const m = /^(?:Error: )?Reached max(?:imum number of)? turns \((\d+)\)\.?$/.exec(lines[lines.length - 1] ?? '');
  return m ? Number(m[1]) : undefined;
}

export function claudeAdapter(opts: CliAgentOptions = {}): CliAgentAdapter {
  return new CliAgentAdapter('claude', claudeArgv, opts, 'paths', false, claudeOutOfTurns);
}
