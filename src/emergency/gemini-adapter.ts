// Gemini CLI in headless mode: edits auto-approved, everything that would ask is denied, plan mode to propose.
//
// Flags relied on (geminicli.com docs: headless mode, CLI reference, plan mode):
//   -p/--prompt "<prompt>"                  headless, forces non-interactive                               [verified]
//   (no -p) prompt on stdin                 a stdin that is no terminal runs headless with it as the prompt
//                                           (`echo "…" | gemini`): kept out of the argv (/proc/<pid>/cmdline)  [verified: headless docs]
//   --approval-mode auto_edit|plan          auto_edit: file edits approved, shell still needs approval,
//                                           which headless mode treats as deny; plan: read-only           [verified]
//   -m/--model NAME                                                                                        [verified]
//   --include-directories DIR               another workspace directory (its file tools work only inside the
//                                           workspace): the directory of the config's working copy, when the
//                                           config is outside the working directory (config-stage.ts)        [verified: CLI reference]
// Not used: --allowed-tools (superseded by the policy engine's TOML rules; not verified for current
// versions) and a max-turns flag (none documented; maxSessionTurns is a settings key).
import type { AgentSession } from './agent-adapter.js';
import { CliAgentAdapter, PROMPT_STDIN, editsAllowed, outsideDirs, type ArgvPart, type CliAgentOptions } from './cli-agent.js';

export function geminiArgv(session: AgentSession): ArgvPart[] {
  const cfg = session.config;
  const argv: ArgvPart[] = [cfg.binary ?? 'gemini', PROMPT_STDIN, '--approval-mode', session.mode === 'propose' ? 'plan' : editsAllowed(session) ? 'auto_edit' : 'default'];
  if (editsAllowed(session)) for (const d of outsideDirs(session)) argv.push('--include-directories', d);
  if (cfg.model) argv.push('--model', cfg.model);
  return argv;
}

export function geminiAdapter(opts: CliAgentOptions = {}): CliAgentAdapter {
  return new CliAgentAdapter('gemini', geminiArgv, opts, 'directories');
}
