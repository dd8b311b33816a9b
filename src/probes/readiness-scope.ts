// The smallest scope a readiness finding names ("readiness:channel:<id>"), read by the reducer to restart just that part first.

export interface ReadinessScope {
  kind: 'channel';
  channel: string;
}

const CHANNEL = /^readiness:channel:([A-Za-z0-9][A-Za-z0-9_-]{0,62})$/;

export function scopeOfFinding(finding: string | undefined): ReadinessScope | undefined {
  const m = finding ? CHANNEL.exec(finding) : null;
  return m ? { kind: 'channel', channel: m[1]! } : undefined;
}

/** A readiness finding of any subsystem: the process serves, a part of it does not (a planned, drained restart). */
export function isReadinessFinding(finding: string | undefined): boolean {
  return !!finding && finding.startsWith('readiness:');
}

export function scopeKey(s: ReadinessScope): string {
  return `${s.kind}:${s.channel}`;
}
