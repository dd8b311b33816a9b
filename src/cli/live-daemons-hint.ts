// The words that list the live daemons of this user where the CLI found none, each with the command that reaches it:
// "start it with: run" alone sent people to start the embedded demo while their daemon ran in another state directory.
import { liveDaemons, type LiveDaemon } from '../daemon/live-claims.js';
import { cliHint } from './cli-command.js';
import { typedCommand } from './typed-command.js';

/** At most this many daemons are named; the rest are counted. */
const NAMED_MAX = 10;

/**
 * "live clawback daemons: pid 4248 runs /x/clawback.yaml, see it with: clawback --state-dir /x/state stop web; ...":
 * each offers the command typed (`command`, default this process's argv) where it is safe to repeat there, else status.
 */
export function liveDaemonsText(found: readonly LiveDaemon[] = liveDaemons(), command: readonly string[] = process.argv.slice(2)): string {
  if (found.length === 0) return 'no live clawback daemon was found that runs a config file (none has claimed one)';
  const typed = typedCommand(command);
  const verb = typed[0] === 'status' ? 'see it' : 'reach it';
  const shown = found.slice(0, NAMED_MAX);
  const more = found.length > NAMED_MAX ? `; and ${found.length - NAMED_MAX} more` : '';
  if (shown.length === 1) return `live clawback daemons found: pid ${shown[0]!.pid} runs ${shown[0]!.configFile}, ${verb} with: ${cliHint(typed, { stateDir: shown[0]!.stateDir })}${more}`;
  // Several were one long line, each daemon hard to tell from the next: one a line, the pids and files aligned.
  const pidW = Math.max(...shown.map((d) => String(d.pid).length));
  const fileW = Math.max(...shown.map((d) => `${d.configFile},`.length));
  const lines = shown.map((d) => `  pid ${String(d.pid).padEnd(pidW)} runs ${`${d.configFile},`.padEnd(fileW)} ${verb} with: ${cliHint(typed, { stateDir: d.stateDir })}`);
  return `live clawback daemons found:\n${lines.join('\n')}${more ? `\n ${more.slice(1)}` : ''}`;
}
