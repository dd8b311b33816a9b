// The command a person typed, without the global options that chose the state directory: the live-daemons listing
// offers it again with the --state-dir of each daemon (`stop web` was answered with "see it with: status").
/** Global options that pick the config or state directory: the hint names the daemon's own instead. */
const GLOBAL_WITH_VALUE = new Set(['-c', '--config', '--state-dir']);

/**
 * Commands that only read, or that act through a running daemon on what the person named: safe to paste with another
 * --state-dir. Anything else (`run`, `init`, `install`, `update`, ...) would start or change something there.
 */
const REPEATABLE = new Set([
  'status', 'start', 'stop', 'restart', 'resume', 'logs', 'incidents', 'incident', 'digest',
  'scale', 'reload', 'acknowledge', 'maintenance', 'approve', 'refuse', 'cluster', 'doctor',
]);

/** The typed words after the global options (argv without node and the script), or ['status'] when not repeatable. */
export function typedCommand(args: readonly string[]): string[] {
  const words: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      words.push(...args.slice(i));
      break;
    }
    if (GLOBAL_WITH_VALUE.has(a)) {
      i++;
      continue;
    }
    if (a.startsWith('--config=') || a.startsWith('--state-dir=') || (a.startsWith('-c') && !a.startsWith('--') && a.length > 2)) continue;
    words.push(a);
  }
  const sub = words.find((w) => !w.startsWith('-'));
  return sub !== undefined && REPEATABLE.has(sub) && words[0] === sub ? words : ['status'];
}
