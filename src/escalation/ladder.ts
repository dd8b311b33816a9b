// The recovery ladder as a pure state machine: (state, input, now) -> (state, actions). No I/O here.
import type { Level } from '../observe/events.js';

export interface Incident {
  id: string;
  openedAt: number;
  level: Level;
  highestLevel: Level;
  reason: string;
  doctorRuns: number;
  agentRuns: number;
  status: 'open' | 'waiting-human';
}

export interface LadderState {
  incident: Incident | null;
}

export interface LadderPolicy {
  /** Doctor runs allowed per incident (0 = skip Level 2). */
  doctorAttempts: number;
  /** Whether a Level 3 agent is configured. */
  agentEnabled: boolean;
  /** After Level 4, try the ladder again after this long (0 = wait for a human). */
  coolDownMs: number;
}

export type LadderInput =
  /** The process exited (level 0) or a liveness probe failed (level 1). */
  | { type: 'failure'; level: 0 | 1; reason: string }
  | { type: 'healthy' }
  /** The supervisor stopped restarting: crash loop, exit 78, failed preflight. */
  | { type: 'held'; reason: string }
  | { type: 'doctor-done'; fixed: boolean; summary: string }
  | { type: 'agent-done'; fixed: boolean; summary: string }
  | { type: 'resume'; by: 'human' | 'cool-down' };

export type LadderAction =
  | { type: 'incident-opened'; incident: Incident }
  | { type: 'level-entered'; level: Level; reason: string }
  | { type: 'run-doctor' }
  | { type: 'run-agent' }
  /** Lift the supervisor's hold and start the service again. */
  | { type: 'restart'; reason: 'doctor' | 'agent' | 'resume' }
  | { type: 'alert-human'; reason: string }
  | { type: 'schedule-cool-down'; ms: number }
  | { type: 'resolved'; incident: Incident; ttrMs: number; outcome: 'auto-resolved' | 'human-resolved' };

export interface LadderStep {
  state: LadderState;
  actions: LadderAction[];
}

function open(now: number, level: Level, reason: string, newId: () => string): Incident {
  return { id: newId(), openedAt: now, level, highestLevel: level, reason, doctorRuns: 0, agentRuns: 0, status: 'open' };
}

function enter(incident: Incident, level: Level, reason: string, actions: LadderAction[]): Incident {
  const next = { ...incident, level, highestLevel: Math.max(incident.highestLevel, level) as Level };
  actions.push({ type: 'level-entered', level, reason });
  return next;
}

/** Picks the next rung above the restarts: doctor while attempts last, then agent once, then a human. */
function climb(incident: Incident, reason: string, policy: LadderPolicy, doctorUseless: boolean, actions: LadderAction[]): Incident {
  if (!doctorUseless && incident.doctorRuns < policy.doctorAttempts && incident.level <= 2) {
    const next = enter({ ...incident, doctorRuns: incident.doctorRuns + 1 }, 2, reason, actions);
    actions.push({ type: 'run-doctor' });
    return next;
  }
  if (policy.agentEnabled && incident.agentRuns === 0 && incident.level <= 3) {
    const next = enter({ ...incident, agentRuns: 1 }, 3, reason, actions);
    actions.push({ type: 'run-agent' });
    return next;
  }
  const next = { ...enter(incident, 4, reason, actions), status: 'waiting-human' as const };
  actions.push({ type: 'alert-human', reason });
  if (policy.coolDownMs > 0) actions.push({ type: 'schedule-cool-down', ms: policy.coolDownMs });
  return next;
}

export function ladderStep(state: LadderState, input: LadderInput, now: number, policy: LadderPolicy, newId: () => string): LadderStep {
  const actions: LadderAction[] = [];
  let incident = state.incident;
  switch (input.type) {
    case 'failure': {
      if (!incident) {
        incident = open(now, input.level, input.reason, newId);
        actions.push({ type: 'incident-opened', incident });
      } else if (incident.status === 'open' && input.level > incident.level && incident.level < 2) {
        incident = enter(incident, input.level, input.reason, actions);
      }
      break;
    }
    case 'healthy': {
      if (incident) {
        const outcome = incident.highestLevel >= 4 ? 'human-resolved' : 'auto-resolved';
        actions.push({ type: 'resolved', incident, ttrMs: now - incident.openedAt, outcome });
        incident = null;
      }
      break;
    }
    case 'held': {
      if (!incident) {
        incident = open(now, 0, input.reason, newId);
        actions.push({ type: 'incident-opened', incident });
      }
      if (incident.status === 'waiting-human') break;
      incident = climb(incident, input.reason, policy, false, actions);
      break;
    }
    case 'doctor-done': {
      if (!incident || incident.status !== 'open') break;
      if (input.fixed) actions.push({ type: 'restart', reason: 'doctor' });
      else incident = climb(incident, `doctor could not fix it: ${input.summary}`, policy, true, actions);
      break;
    }
    case 'agent-done': {
      if (!incident || incident.status !== 'open') break;
      if (input.fixed) actions.push({ type: 'restart', reason: 'agent' });
      else incident = climb({ ...incident, agentRuns: Math.max(1, incident.agentRuns) }, `agent did not fix it: ${input.summary}`, policy, true, actions);
      break;
    }
    case 'resume': {
      if (incident) incident = { ...incident, status: 'open', level: 0, doctorRuns: 0, agentRuns: 0 };
      actions.push({ type: 'restart', reason: 'resume' });
      break;
    }
  }
  return { state: { incident }, actions };
}
