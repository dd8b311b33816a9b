// What `clawback status` says about recovery work in flight: a hold during a doctor run is the ladder at work, not a
// "fix it, then resume" for a person; the line names the run, how long it has worked and when it gives up.
import type { Work } from '../decide/service-state.js';
import { humanDuration } from './format.js';
import { localStamp } from './local-time.js';

const WHAT: Record<Work['kind'], string> = {
  doctor: 'the doctor (Level 2 repair)',
  agent: 'the Level 3 agent',
  verify: 'the verification of the repair',
  revert: 'the revert of a failed repair',
  approval: 'the approval of the Level 3 agent run',
};

const AFTER: Record<Work['kind'], string> = {
  doctor: 'past it the run is ended and the ladder climbs',
  agent: 'past it the agent is stopped, its changes reverted and the ladder climbs',
  verify: 'a repair not healthy by then is rolled back and the ladder climbs',
  revert: 'past it the ladder climbs',
  approval: 'unapproved by then, the incident goes to a person',
};

/** "doctor run run-1 for incident inc-1: working for 20s; gives up at 2026-12-05 15:00:28+00:00 (in 1m10s); past it ..." */
export function workInFlightText(w: Pick<Work, 'kind' | 'id' | 'incidentId' | 'startedAt' | 'deadline'>, now: number | undefined): string {
  const since = now !== undefined ? `working for ${humanDuration(Math.max(0, now - w.startedAt))}; ` : '';
  const left = now !== undefined ? (w.deadline > now ? ` (in ${humanDuration(w.deadline - now)})` : ' (overdue: ending it now)') : '';
  const verb = w.kind === 'approval' ? 'waits until' : w.kind === 'verify' ? 'decides by' : 'gives up at';
  return `${WHAT[w.kind] ?? w.kind} is at work (${w.kind} run ${w.id} for incident ${w.incidentId}): ${since}${verb} ${localStamp(w.deadline)}${left}; ${AFTER[w.kind] ?? 'past it the ladder climbs'}`;
}

/** The hint under a hold while work runs: nothing for a person to do yet, except for an approval, which is theirs. */
export function heldDuringWorkHint(w: Pick<Work, 'kind' | 'incidentId'>, resumeHint: string): string {
  if (w.kind === 'approval') return `  waiting for a person: clawback approve ${w.incidentId} (or refuse ${w.incidentId})`;
  return `  nothing to do yet: Clawback is repairing it; if it fails you are told what to fix, then: ${resumeHint}`;
}
