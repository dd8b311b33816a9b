// The "clawback started" line says what is true at that moment: how many services run, and which do not yet (waiting for
// their dependencies, their preflight, held), named and bounded; "supervising 2 service(s)" read as both running.
export interface StartedService {
  name: string;
  state: string;
  pid: number | null;
  held: { reason: string } | null;
  desired: 'up' | 'down';
  dependsOn: readonly string[];
}

/** Names listed at most; the rest are counted. */
const MAX_NAMED = 5;

function whyNotRunning(s: StartedService): string {
  if (s.state === 'held') return `held: ${s.held?.reason ?? 'unknown'}`;
  if (s.state === 'starting') return 'starting';
  if (s.state === 'backoff') return 'restarting after an exit';
  if (s.state === 'stopping') return 'stopping';
  if (s.desired === 'down') return 'stopped';
  return s.dependsOn.length > 0 ? `waiting for ${s.dependsOn.join(', ')}` : 'not started';
}

export function startedText(version: string, pid: number, services: readonly StartedService[]): string {
  const head = `clawback ${version} started (pid ${pid}), supervising ${services.length} service(s)`;
  const notRunning = services.filter((s) => s.pid === null || s.state !== 'running');
  if (notRunning.length === 0) return head;
  const named = notRunning.slice(0, MAX_NAMED).map((s) => `${s.name} (${whyNotRunning(s)})`);
  const more = notRunning.length > MAX_NAMED ? `, and ${notRunning.length - MAX_NAMED} more` : '';
  return `${head}: ${services.length - notRunning.length} running, ${notRunning.length} not running yet: ${named.join(', ')}${more}`;
}
