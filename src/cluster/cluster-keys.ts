// Where a cluster keeps its facts in etcd: one key per member, per singleton service's leader, move request, config, failover.
export interface ClusterKeys {
  member(name: string): string;
  members(): string;
  leader(service: string): string;
  move(service: string): string;
  config(service: string): string;
  failover(service: string): string;
  /** The incident of a member that gave the service up (Level 4, preflight): the winner's failover event names it. */
  incident(service: string): string;
}

export function clusterKeys(prefix: string): ClusterKeys {
  const p = `/${prefix.replace(/^\/+|\/+$/g, '')}`;
  return {
    member: (n) => `${p}/members/${n}`,
    members: () => `${p}/members/`,
    leader: (s) => `${p}/leader/${s}`,
    move: (s) => `${p}/move/${s}`,
    config: (s) => `${p}/config/${s}`,
    failover: (s) => `${p}/failover/${s}`,
    incident: (s) => `${p}/incident/${s}`,
  };
}

/** The last failover of a service, as kept in etcd (every member's status shows it). */
export interface FailoverRecord {
  service: string;
  from: string | null;
  to: string;
  kind: 'failover' | 'move';
  /** When the new member won the lease. */
  at: number;
  /**
   * From the last moment the new member saw the old holder's key to its win: the part of the outage etcd can see
   * (after a crash the old instance may have died up to one lease TTL before its key expired).
   */
  noLeaderMs: number;
  fencingToken: number;
  /** The incident the old holder gave the service up with (same id on both members' journals). */
  incident?: CarriedIncident;
}

/** What a member that releases a service tells the next one about its incident. */
export interface CarriedIncident {
  id: string;
  from: string;
  reason: string;
  level: number;
  openedAt: number;
}
