// The words that list the live daemons of this user where the CLI found none, each with the command that reaches it:
// "start it with: run" alone sent people to start the embedded demo while their daemon ran in another state directory.
import { liveDaemons, type LiveDaemon } from '../daemon/live-claims.js';
import { cliHint } from './cli-command.js';

/** At most this many daemons are named; the rest are counted. */
const NAMED_MAX = 10;

/** "live clawback daemons: pid 4248 runs /x/clawback.yaml, see it with: clawback status --state-dir /x/state; ..." */
export function liveDaemonsText(found: readonly LiveDaemon[] = liveDaemons()): string {
  if (found.length === 0) return 'no live clawback daemon was found that runs a config file (none has claimed one)';
  const named = found.slice(0, NAMED_MAX).map((d) => `pid ${d.pid} runs ${d.configFile}, see it with: ${cliHint(['status'], { stateDir: d.stateDir })}`);
  const more = found.length > NAMED_MAX ? `; and ${found.length - NAMED_MAX} more` : '';
  return `live clawback daemons found: ${named.join('; ')}${more}`;
}
