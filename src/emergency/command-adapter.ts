// Any other agent as an argv template: {prompt_file} and {workdir} are filled in, {mode} says fix or propose.
import type { AgentSession } from './agent-adapter.js';
import { CliAgentAdapter, type ArgvPart, type CliAgentOptions } from './cli-agent.js';

export function commandArgv(session: AgentSession): ArgvPart[] {
  const template = session.config.command;
  if (!template || template.length === 0) throw new Error('adapter "command" needs emergency.command');
  const fill = (s: string): string =>
    s.replaceAll('{prompt_file}', session.promptFile).replaceAll('{workdir}', session.workdir).replaceAll('{mode}', session.mode);
  const argv = template.map(fill);
  if (session.config.binary) argv[0] = session.config.binary;
  return argv;
}

export function commandAdapter(opts: CliAgentOptions = {}): CliAgentAdapter {
  return new CliAgentAdapter('command', commandArgv, opts);
}
