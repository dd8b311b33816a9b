// OpenAI Codex CLI via `codex exec`: sandboxed to the workspace, never asking for approval it cannot get.
//
// Flags relied on (developers.openai.com/codex non-interactive mode; openai/codex docs/sandbox.md):
//   codex exec "<prompt>"               non-interactive run                                                [verified]
//   codex exec … -                      the prompt read from stdin: kept out of the argv (/proc/<pid>/cmdline)  [verified: exec reference]
//   --sandbox workspace-write|read-only writes only inside the workspace; read-only for propose mode      [verified]
//   -a/--ask-for-approval never         given before `exec` as a global flag (as in openai/codex#34958)     [verified: flag; placement
//                                       before the subcommand seen in a bug report, not in the reference]
//   -C/--cd DIR, --skip-git-repo-check  working directory; the service dir need not be a git repo          [verified in exec reference]
//   -m/--model NAME                                                                                        [verified]
//   --add-dir DIR                       extra writable dir: the directory of the config's working copy, when
//                                       the config is outside the workdir (config-stage.ts)                [NOT verified]
import type { AgentSession } from './agent-adapter.js';
import { CliAgentAdapter, PROMPT_STDIN, editsAllowed, outsideDirs, type ArgvPart, type CliAgentOptions } from './cli-agent.js';

export function codexArgv(session: AgentSession): ArgvPart[] {
  const cfg = session.config;
  const argv: ArgvPart[] = [cfg.binary ?? 'codex', '-a', 'never', 'exec'];
  const edits = editsAllowed(session);
  argv.push('--sandbox', edits ? 'workspace-write' : 'read-only');
  // The sandbox has no network unless asked; say so explicitly so a user config cannot turn it on for us.
  if (edits) argv.push('-c', 'sandbox_workspace_write.network_access=false');
  argv.push('--skip-git-repo-check', '-C', session.workdir);
  if (edits) {
    for (const d of outsideDirs(session)) argv.push('--add-dir', d);
  }
  if (cfg.model) argv.push('--model', cfg.model);
  argv.push('-', PROMPT_STDIN);
  return argv;
}

export function codexAdapter(opts: CliAgentOptions = {}): CliAgentAdapter {
  // Its sandbox limits writes and network, never reads (openai/codex#7657, #8667): the state dir is hidden instead.
  return new CliAgentAdapter('codex', codexArgv, opts, 'directories', true);
}
