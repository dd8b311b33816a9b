// A drill's faults reach Level 3 when the service has `emergency:` (port-steal did: the doctor cannot free a port the drill holds): the plan and the trial say that a real AI agent runs.
import type { ClawbackEvent } from '../observe/events.js';
import type { ServiceConfig } from '../config/schema.js';
import { formatDuration } from '../config/duration.js';

/** The plan's line when Level 3 is enabled for the drilled service, or undefined when it is not. Pure. */
export function levelThreePlanLine(service: ServiceConfig): string | undefined {
  const e = service.emergency;
  if (!e) return undefined;
  const budget = `${e.budget.runs} per ${formatDuration(e.budget.window)}`;
  const approval = e.approval === 'required' ? `, after an approval (\`clawback approve\`; none within ${formatDuration(e.approvalTimeout)}: a human)` : '';
  return (
    `  Level 3 is enabled for "${service.name}": a fault the doctor does not fix (e.g. port-steal, where the drill holds the port) can launch a real ${e.adapter} agent ` +
    `(${e.mode}, time-box ${formatDuration(e.timeBox)}${approval}), which uses a run of its budget (${budget}); remove \`emergency:\` from the service to drill without it`
  );
}

/** The trial's note on the AI agents its fault launched (agent.started in the trial's window), or undefined. Pure. */
export function levelThreeNote(events: readonly ClawbackEvent[]): string | undefined {
  const started = events.filter((e) => e.type === 'agent.started');
  if (started.length === 0) return undefined;
  const first = started[0]!.message.replace(/; watch with: .*$/, '');
  return `Level 3: ${started.length} AI agent run${started.length === 1 ? '' : 's'} launched by this trial (${first}), counted in its budget`;
}
