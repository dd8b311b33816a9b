// Why: state.json is read back from disk (a hand edit, a bit flip, a buggy tool); a whole file of the wrong shape is moved
// aside by the store, but one field of the wrong shape (held: 5) reached the reducer as is and kept a healthy service
// down ('restarts stopped (undefined): undefined'). Such fields are dropped (normalizeState fills them) and said.
import type { DaemonState } from './state-store.js';

/** One field of a saved service that had the wrong shape and was dropped. */
export interface StateShapeProblem {
  /** `services.<name>` or `services.<name>.record.<field>`. */
  field: string;
  /** The value found, as JSON, cut short. */
  value: string;
  expected: string;
}

type Check = [expected: string, ok: (v: unknown) => boolean];

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const orNull = (ok: (v: unknown) => boolean) => (v: unknown) => v === null || ok(v);
const numbers = (v: unknown): boolean => Array.isArray(v) && v.every(isNum);

/** The fields whose wrong shape the reducer would act on; lenient (an older daemon wrote fewer sub-fields), a missing field is fine. */
const RECORD_CHECKS: Record<string, Check> = {
  desired: ["'up' or 'down'", (v) => v === 'up' || v === 'down'],
  instance: ['null or {pid, pidStartTime, startedAt}', orNull((v) => isObj(v) && Number.isInteger(v.pid) && (v.pid as number) > 0)],
  held: ['null or {reason, detail, since}', orNull((v) => isObj(v) && typeof v.reason === 'string')],
  restartHistory: ['an array of times (ms)', numbers],
  agentRuns: ['an array of times (ms)', numbers],
  backoffAttempt: ['a number >= 0', (v) => isNum(v) && v >= 0],
  restartsTotal: ['a number >= 0', (v) => isNum(v) && v >= 0],
  nextStartAt: ['null or a time (ms)', orNull(isNum)],
  coolDownUntil: ['null or a time (ms)', orNull(isNum)],
  lastExit: ['null or {code, signal, at, uptimeMs}', orNull(isObj)],
  maintenance: ['null or {since, until, reason, by}', orNull(isObj)],
  work: ['null or {kind, id, incidentId, startedAt, deadline}', orNull((v) => isObj(v) && typeof v.kind === 'string')],
};
const INCIDENT_CHECK: Check = ['null or {id, openedAt, level, ...}', orNull((v) => isObj(v) && typeof v.id === 'string')];

function shown(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * Drops (in place) every saved field of the wrong shape, and every service entry that is no `{record}` object, so
 * normalizeState starts them from their initial values; returns what was dropped. Pure but for the mutation.
 */
export function dropMisshapenFields(state: DaemonState): StateShapeProblem[] {
  const problems: StateShapeProblem[] = [];
  const services = state.services as Record<string, unknown>;
  for (const [name, entry] of Object.entries(services)) {
    if (!isObj(entry) || !isObj(entry.record)) {
      problems.push({ field: `services.${name}`, value: shown(entry), expected: '{record, incident}' });
      delete services[name];
      continue;
    }
    const record = entry.record;
    for (const [key, [expected, ok]] of Object.entries(RECORD_CHECKS)) {
      if (!(key in record) || ok(record[key])) continue;
      problems.push({ field: `services.${name}.record.${key}`, value: shown(record[key]), expected });
      delete record[key];
    }
    for (const [where, holder] of [['incident', entry], ['record.incident', record]] as const) {
      if (!('incident' in holder) || INCIDENT_CHECK[1](holder.incident)) continue;
      problems.push({ field: `services.${name}.${where}`, value: shown(holder.incident), expected: INCIDENT_CHECK[0] });
      holder.incident = null;
    }
  }
  return problems;
}
