// Two daemons given the same cluster.member: the second overwrote the first's member key (the name vanished from the
// cluster when the second stopped, though the first still ran) and both campaigned under one name, silently.
// Tells this member's previous daemon (same host and state directory: a restart) from another live daemon.

/** Why the member key held on another lease is another daemon's, in words; null when it is free to write. */
export function nameClash(raw: string, keyLease: string, myLease: string, me: Record<string, unknown>): string | null {
  if (keyLease === '0' || keyLease === myLease) return null;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return null; // unreadable (written by hand): status names it; overwritten as before
  }
  if (v === null || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  // An earlier version does not say where it runs: taken at its word as this member's previous daemon.
  if (typeof o.host !== 'string' || typeof o.stateDir !== 'string') return null;
  if (o.host === me.host && o.stateDir === me.stateDir) return null;
  return `another live daemon uses this name (host ${o.host}, state dir ${o.stateDir}${typeof o.api === 'string' ? `, api ${o.api}` : ''})`;
}
