// Per-subsystem verdicts over the gateway's /readyz answers: who is failing, since when, and whether the gateway's own recovery is past its bound.
// Pure: (state, observation, now) -> state; the probe and the tests feed it. The bounds are durations, counted on the
// monotonic clock (a step of the wall clock neither ends nor stretches them); since and dueAt are wall stamps for people.

/** What /readyz says to a loopback caller (openclaw 2026.9.6, server-start createReadinessChecker). */
export interface ReadyzBody {
  ready: boolean;
  failing: string[];
  /** Channels whose autostart the gateway itself suppressed (its crash-loop breaker): not failing. */
  suppressed?: string[];
  pluginReload?: { pluginIds?: string[]; phase?: string; deadlineAtMs?: number; reason?: string };
  agentDatabases?: Array<{ agentId?: string; reason?: string }>;
}

export type SubsystemKind = 'channel' | 'plugin-reload' | 'agent-database' | 'state-database' | 'draining' | 'starting' | 'other';

export interface Bounds {
  /** A failing channel: the gateway's own auto-restart ladder and health monitor get this long first. */
  channelMs: number;
  /** Past a plugin-reload recovery deadline (or at phase "failed"): this much more. */
  pluginReloadSlackMs: number;
  /** Everything else (agent or state database refused, draining, startup pending). */
  otherMs: number;
}

export interface SubsystemVerdict {
  /** As /readyz names it: "telegram", "plugin-reload", "agent-database:main". */
  name: string;
  kind: SubsystemKind;
  /** For a channel: its id (the accounts are named by the gateway's channel status, when asked). */
  channel?: string;
  /** First seen failing in this run of failures (epoch ms, for people). */
  since: number;
  /** When Clawback may step in (epoch ms, for people: re-read from the monotonic due time at each answer). */
  dueAt: number;
  /** since and dueAt on the monotonic clock: what the bound is counted on. */
  sinceMono: number;
  dueMono: number;
  /** The gateway's own words (plugin-reload reason, agent database refusal). */
  detail?: string;
}

export interface ReadinessState {
  /** The instance these verdicts belong to (a new instance starts over). */
  instanceStartedAt: number | undefined;
  failing: Record<string, SubsystemVerdict>;
}

export const emptyReadiness = (): ReadinessState => ({ instanceStartedAt: undefined, failing: {} });

const NON_CHANNEL: Array<[RegExp, SubsystemKind]> = [
  [/^plugin-reload$/, 'plugin-reload'],
  [/^agent-database:/, 'agent-database'],
  [/^state-database$/, 'state-database'],
  [/^gateway-draining$/, 'draining'],
  [/^(startup-sidecars|internal)$/, 'starting'],
];

export function kindOf(name: string): SubsystemKind {
  for (const [re, kind] of NON_CHANNEL) if (re.test(name)) return kind;
  // The gateway lists a failing channel by its id only ("telegram", "discord", a plugin's id).
  return /^[a-z0-9][a-z0-9_-]*$/i.test(name) ? 'channel' : 'other';
}

/** Parses a /readyz body; undefined when it is not the gateway's shape (an old gateway, a proxy page). */
export function parseReadyz(text: string): ReadyzBody | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if (typeof o.ready !== 'boolean') return undefined;
  const failing = Array.isArray(o.failing) ? o.failing.filter((x): x is string => typeof x === 'string') : [];
  const body: ReadyzBody = { ready: o.ready, failing };
  if (Array.isArray(o.suppressed)) body.suppressed = o.suppressed.filter((x): x is string => typeof x === 'string');
  if (typeof o.pluginReload === 'object' && o.pluginReload !== null) body.pluginReload = o.pluginReload as ReadyzBody['pluginReload'];
  if (Array.isArray(o.agentDatabases)) body.agentDatabases = o.agentDatabases as ReadyzBody['agentDatabases'];
  return body;
}

/** A reading of both clocks: wall (epoch ms) for stamps and the gateway's own deadlines, mono for the bounds. */
export interface Now {
  wall: number;
  mono: number;
}

/** The monotonic time Clawback may step in for a part failing since sinceMono. */
function dueMono(kind: SubsystemKind, sinceMono: number, body: ReadyzBody, b: Bounds, now: Now): number {
  if (kind === 'channel') return sinceMono + b.channelMs;
  if (kind === 'plugin-reload') {
    const pr = body.pluginReload;
    if (pr?.phase === 'failed') return sinceMono; // its own recovery already gave up
    // The gateway's deadline is on its wall clock, which is ours: what is left of it is read now, in this answer.
    if (typeof pr?.deadlineAtMs === 'number' && Number.isFinite(pr.deadlineAtMs)) return Math.max(sinceMono, now.mono + (pr.deadlineAtMs - now.wall)) + b.pluginReloadSlackMs;
    return sinceMono + b.otherMs;
  }
  return sinceMono + b.otherMs;
}

function detailOf(kind: SubsystemKind, name: string, body: ReadyzBody): string | undefined {
  if (kind === 'plugin-reload' && body.pluginReload) {
    const pr = body.pluginReload;
    return [pr.phase && `phase ${pr.phase}`, pr.pluginIds?.length ? `plugins ${pr.pluginIds.join(', ')}` : '', pr.reason ?? ''].filter(Boolean).join('; ') || undefined;
  }
  if (kind === 'agent-database') {
    const id = name.slice('agent-database:'.length);
    const r = body.agentDatabases?.find((a) => a.agentId === id)?.reason;
    return r ? String(r).slice(0, 300) : undefined;
  }
  return undefined;
}

/** Folds one /readyz answer in: new failures start their clock, recovered ones are dropped, bounds follow the gateway's deadlines. */
export function observe(prev: ReadinessState, body: ReadyzBody, now: Now, instanceStartedAt: number | undefined, b: Bounds): ReadinessState {
  const carried = prev.instanceStartedAt === instanceStartedAt ? prev.failing : {};
  const failing: Record<string, SubsystemVerdict> = {};
  const names = body.ready ? [] : body.failing;
  for (const name of names) {
    const kind = kindOf(name);
    const old = carried[name];
    const sinceMono = old?.sinceMono ?? now.mono;
    const due = dueMono(kind, sinceMono, body, b, now);
    const v: SubsystemVerdict = { name, kind, since: old?.since ?? now.wall, dueAt: now.wall + (due - now.mono), sinceMono, dueMono: due };
    if (kind === 'channel') v.channel = name;
    const detail = detailOf(kind, name, body);
    if (detail) v.detail = detail;
    failing[name] = v;
  }
  return { instanceStartedAt, failing };
}

/** Subsystems past their bound at monotonic time mono, the first due first (the one Clawback acts on). */
export function overdue(s: ReadinessState, mono: number): SubsystemVerdict[] {
  return Object.values(s.failing)
    .filter((v) => mono >= v.dueMono)
    .sort((a, b) => a.dueMono - b.dueMono || a.name.localeCompare(b.name));
}

/**
 * The finding a readiness failure carries to the reducer: "readiness:channel:<id>" for a channel (the reducer may
 * restart just that channel first), "readiness:<kind>" otherwise.
 */
export function findingFor(v: SubsystemVerdict): string {
  return v.kind === 'channel' ? `readiness:channel:${v.channel}` : `readiness:${v.kind}`;
}
