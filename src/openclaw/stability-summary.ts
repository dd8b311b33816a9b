// What the gateway's stability bundle says, in one redacted paragraph for the incident, the alert and the agent's prompt.

export interface StabilitySummary {
  /** One paragraph, at most ~600 characters. */
  text: string;
  generatedAt?: number;
  reason?: string;
  path?: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The bundle inside the CLI's JSON answer (top level, or under bundle / result). */
function findBundle(v: unknown, depth = 0): Obj | undefined {
  if (!isObj(v) || depth > 3) return undefined;
  if (typeof v.reason === 'string' && (typeof v.generatedAt === 'string' || isObj(v.process))) return v;
  for (const k of ['bundle', 'result', 'latest', 'data']) {
    const inner = findBundle(v[k], depth + 1);
    if (inner) return inner;
  }
  return undefined;
}

function findPath(v: unknown): string | undefined {
  if (!isObj(v)) return undefined;
  for (const k of ['path', 'file', 'bundlePath']) if (typeof v[k] === 'string') return v[k] as string;
  return undefined;
}

function clip(s: string, n: number): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > n ? `${t.slice(0, n - 1)}…` : t;
}

/** Summarizes `openclaw gateway stability --bundle latest --json`; undefined when the answer holds no bundle. */
export function summarizeStability(json: unknown): StabilitySummary | undefined {
  const b = findBundle(json);
  if (!b) return undefined;
  const parts: string[] = [];
  const reason = String(b.reason);
  const at = typeof b.generatedAt === 'string' ? Date.parse(b.generatedAt) : NaN;
  parts.push(`reason ${reason}`);
  if (isObj(b.process)) {
    const p = b.process;
    const up = typeof p.uptimeMs === 'number' ? `, up ${Math.round(p.uptimeMs / 100) / 10} s` : '';
    if (typeof p.pid === 'number') parts.push(`pid ${p.pid}${up}`);
  }
  if (isObj(b.error)) {
    const e = b.error;
    const name = typeof e.name === 'string' ? e.name : 'Error';
    const code = typeof e.code === 'string' || typeof e.code === 'number' ? ` (${e.code})` : '';
    const msg = typeof e.message === 'string' ? `: ${clip(e.message, 240)}` : '';
    parts.push(`error ${name}${msg}${code}`);
  }
  if (isObj(b.evidence)) {
    const ev = b.evidence;
    if (isObj(ev.shutdown) && typeof ev.shutdown.step === 'string') parts.push(`shutdown step ${ev.shutdown.step}`);
    if (isObj(ev.memoryPressure) && typeof ev.memoryPressure.reason === 'string') parts.push(`memory pressure ${ev.memoryPressure.reason}`);
  }
  if (isObj(b.snapshot)) {
    const s = b.snapshot;
    const events = Array.isArray(s.events) ? (s.events as unknown[]) : [];
    const count = typeof s.count === 'number' ? s.count : events.length;
    const types = [...new Set(events.map((e) => (isObj(e) && typeof e.type === 'string' ? e.type : '')).filter(Boolean))].slice(-5);
    parts.push(`${count} recorded event(s)${types.length ? ` (${types.join(', ')})` : ''}`);
  }
  const path = findPath(json);
  const when = Number.isFinite(at) ? `written ${new Date(at).toISOString()}` : 'undated';
  const out: StabilitySummary = { text: clip(`stability bundle ${when}: ${parts.join('; ')}`, 600), reason };
  if (Number.isFinite(at)) out.generatedAt = at;
  if (path) out.path = path;
  return out;
}
