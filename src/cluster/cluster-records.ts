// Reads the member and failover records in etcd: other members (an older or newer version) or a person with etcdctl
// wrote them, so a bad one is named and left out, never trusted (one garbage value blinded `cluster status`).
import type { FailoverRecord } from './cluster-keys.js';

export interface MemberRecord {
  member: string;
  since: number | null;
  api: string | null;
  /** The singletons the member campaigns for; null when it does not say (an earlier version). */
  services: string[] | null;
  /** Those it does not campaign for now (stopped, held, in maintenance there); null when it does not say (an earlier version). */
  idle: string[] | null;
}

/** A record that could not be used: its key, and why (what was expected). */
export interface UnreadableRecord {
  key: string;
  problem: string;
}

function parse(raw: string): { value: Record<string, unknown> } | { problem: string } {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return { problem: `not JSON: ${JSON.stringify(raw.length > 60 ? `${raw.slice(0, 60)}…` : raw)}` };
  }
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? { value: v as Record<string, unknown> } : { problem: `expected a JSON object, got ${JSON.stringify(v)?.slice(0, 60)}` };
}

function wrongField(field: string, value: unknown, expected: string): string {
  return `field "${field}" is ${JSON.stringify(value) ?? 'missing'}, expected ${expected}`;
}

/** A member key's value (extra fields of a newer version are ignored), or why it is unusable. */
export function readMemberRecord(raw: string): MemberRecord | string {
  const p = parse(raw);
  if ('problem' in p) return p.problem;
  const m = p.value;
  if (typeof m.member !== 'string' || m.member === '') return wrongField('member', m.member, 'a member name');
  const names = (v: unknown): string[] | null => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : null);
  return { member: m.member, since: typeof m.since === 'number' ? m.since : null, api: typeof m.api === 'string' ? m.api : null, services: names(m.services), idle: names(m.idle) };
}

/** A failover key's value, or why it is unusable (status shows the record, so every field it prints is checked). */
export function readFailoverRecord(raw: string): FailoverRecord | string {
  const p = parse(raw);
  if ('problem' in p) return p.problem;
  const f = p.value;
  if (f.kind !== 'failover' && f.kind !== 'move') return wrongField('kind', f.kind, '"failover" or "move"');
  if (typeof f.to !== 'string') return wrongField('to', f.to, 'a member name');
  if (f.from !== null && typeof f.from !== 'string') return wrongField('from', f.from, 'a member name or null');
  if (typeof f.at !== 'number' || !Number.isFinite(new Date(f.at).getTime())) return wrongField('at', f.at, 'a time in ms since 1970');
  if (typeof f.noLeaderMs !== 'number' || !(f.noLeaderMs >= 0)) return wrongField('noLeaderMs', f.noLeaderMs, 'a number of ms >= 0');
  return f as unknown as FailoverRecord;
}
