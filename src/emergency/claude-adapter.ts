// Claude Code in print mode with an explicit tool allowlist: no trust prompt to press, no blanket permission skip.
//
// Flags relied on (Claude Code CLI reference, docs.anthropic.com/en/docs/claude-code/cli-reference, and the
// permission-modes page, code.claude.com/docs/en/permission-modes):
//   -p/--print "<prompt>"          non-interactive; the workspace trust dialog is skipped in print mode   [verified in docs]
//   --output-format text            plain text, readable by a human attached to tmux                       [verified]
//   --max-turns N                   bounded agent turns in print mode                                      [verified]
//   --permission-mode acceptEdits   edits auto-accepted; anything else needs an allow rule                 [verified]
//   --permission-mode plan          read-only analysis (our propose mode)                                   [verified]
//   --allowedTools "A,B,…"          tools allowed without a prompt; "Bash(curl:*)" prefix rules             [verified]
//   --model NAME                                                                                           [verified]
//   Edit(//abs/path) rules: path rules apply to Edit/Read, "//" marks an absolute path                     [NOT verified against a
//   real claude: taken from the permissions docs as quoted by a secondary source]
// In print mode a tool call that would need a prompt is denied, so the allowlist is the whole reach.
import path from 'node:path';
import type { AgentSession } from './agent-adapter.js';
import { CliAgentAdapter, PROMPT_ARG, type ArgvPart, type CliAgentOptions } from './cli-agent.js';

function absRule(p: string): string {
  return `//${path.resolve(p).replace(/^\/+/, '')}`;
}

export function claudeArgv(session: AgentSession): ArgvPart[] {
  const cfg = session.config;
  const readOnly = ['Read', 'Grep', 'Glob', 'Bash(curl:*)', 'Bash(cat:*)', 'Bash(tail:*)', 'Bash(ls:*)'];
  const tools = session.mode === 'propose' ? readOnly : [...readOnly, ...session.allowedPaths.map((p) => `Edit(${absRule(p)})`)];
  const argv: ArgvPart[] = [cfg.binary ?? 'claude', '-p', PROMPT_ARG, '--output-format', 'text', '--max-turns', String(cfg.maxTurns)];
  argv.push('--permission-mode', session.mode === 'propose' ? 'plan' : 'acceptEdits');
  argv.push('--allowedTools', tools.join(','));
  if (cfg.model) argv.push('--model', cfg.model);
  return argv;
}

export function claudeAdapter(opts: CliAgentOptions = {}): CliAgentAdapter {
  return new CliAgentAdapter('claude', claudeArgv, opts);
}
