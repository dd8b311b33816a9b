// One member of a cluster: its etcd lease (renewed, or lost) and an election per singleton service. It reports facts only.
import type { Etcd3, Lease } from 'etcd3';
import type { Clock } from '../platform/clock.js';
import type { ClawbackEvent } from '../observe/events.js';
import { memberName, type ClusterConfig } from './cluster-schema.js';
import { clusterKeys, type CarriedIncident, type FailoverRecord } from './cluster-keys.js';
import { leaseTiming, type LeaseTiming } from './lease-timing.js';
import { callTimeoutMs } from './etcd-connect.js';
import type { LeaseRenewer } from './lease-renewer.js';
import { describeEtcdError, etcdErrorCause, isEtcdRefusal } from './etcd-errors.js';
import type { LeaseStore } from './lease-file.js';
import { mixedClusters, type EndpointIdentity } from './endpoint-identity.js';
import { nameClash } from './member-name-clash.js';
import { readFailoverRecord, readMemberRecord, type MemberRecord, type UnreadableRecord } from './cluster-records.js';

export type PlacementFact =
  | { active: true; token: number; holder: string; stopBy: number; killBy: number }
  | { active: false; holder: string | null; reason?: string };

/** A singleton service as its election sees it; the plugin connects it to the service's runtime. */
export interface Seat {
  name: string;
  stopGraceMs: number;
  /** False while this member should not take the service (held for a human, a failed preflight...). */
  mayCampaign(): boolean;
  /** True once this member's instance is gone (after a handover's stop). */
  instanceGone(): boolean;
  report(fact: PlacementFact): void;
  /** Runs after a win, before the start: config follows the leader. Bounded; once `signal` aborts it must write nothing. */
  beforeWin?(signal: AbortSignal): Promise<void>;
  /** The guard's deadline file moves to killBy (awaited before a start). */
  fence(killBy: number): Promise<void>;
}

interface SeatState {
  seat: Seat;
  timing: LeaseTiming;
  leading: boolean;
  token: number | null;
  holder: string | null;
  /** When (monotonic) etcd last answered this seat's poll, so holder is as of then (null: never); status says how old it is. */
  holderSeenAt: number | null;
  /**
   * The other member this member last saw hold the key, and when (monotonic): the failover's gap is counted from there,
   * and it is a failover from that member even if this one saw nobody lead in between (it could not campaign then).
   */
  lastSeenOther: { member: string; mono: number } | null;
  busy: boolean;
  /** Between giving the service up and freeing its key (the instance is being stopped). */
  handingOver: boolean;
  failovers: number;
  noLeaderMs: number;
  wonAt: number | null;
  /** The holder checks its key (and move requests) once per renewal period, not every poll. */
  checkedAt: number;
  /** The last move withdrawn after this member had begun handing the service over (its instance was stopped for it). */
  withdrawnMove: { to: string; at: number } | null;
  /** Why the work before the last win did not finish, as said: the same cause at every win is said once. */
  beforeWinSkip: string | null;
}

export interface SeatStatus {
  service: string;
  leader: string | null;
  self: boolean;
  /**
   * This member holds the key, but no renewal came before its stop deadline (etcd lost quorum, a partition): its
   * instance is stopped (self-fenced); self is false meanwhile. It was shown "active" with its token while nothing ran.
   */
  fenced: boolean;
  fencingToken: number | null;
  /**
   * Since etcd last told this member who leads (its last poll that etcd answered; null: never): with etcd unreachable,
   * leader is the last one seen, not a fact. Absent from earlier versions.
   */
  leaderSeenAgoMs?: number | null;
  leaderSince: number | null;
  failovers: number;
  noLeaderSeconds: number;
  lastFailover: FailoverRecord | null;
  /**
   * A move withdrawn after this member had stopped its instance for the handover: the person who asked only saw
   * "already runs on"; here it is said what became of it. running: the instance runs again now. Absent from earlier versions.
   */
  withdrawnMove?: { to: string; at: number; running: boolean } | null;
}

export interface ClusterStatus {
  member: string;
  endpoints: string[];
  leaseTtlMs: number;
  leaseId: string | null;
  /** The etcd endpoint this member's renewals go through (the last one that confirmed). */
  renewEndpoint: string | null;
  /** Why etcd cannot be used now (TLS, auth, unreachable), in words naming the config field; null when fine. */
  etcdError: string | null;
  /** Since the last renewal this member sent that etcd confirmed. */
  leaseAgeMs: number | null;
  /** services: the singletons the member campaigns for (null: a member of an earlier version, which does not say). */
  members: MemberRecord[];
  /** Records in etcd that could not be read (a member key shown as "?", a failover record left out), each named by its key. */
  unreadable: UnreadableRecord[];
  services: SeatStatus[];
  etcdReachable: boolean;
  /**
   * This status read the member and failover records from etcd. false: they are unknown (members empty, lastFailover
   * null), not none: a status with etcd unreachable said "(none seen)" and "-" right after a failover. Absent from earlier versions.
   */
  recordsRead?: boolean;
}

/** etcd says the lease is no more (expired or revoked): the etcd3 client's error, or the server's "lease not found". */
export function leaseGone(err: unknown): boolean {
  const e = err as Error | undefined;
  return e?.constructor?.name === 'EtcdLeaseInvalidError' || /expired or revoked|lease not found/i.test(e?.message ?? '');
}

function notASeat(member: string, service: string, services: string[]): string {
  return `${member} does not run ${service} as a singleton service (its singletons: ${services.join(', ') || 'none'})`;
}

/** Why a move to another member will not be followed, from its member key (null: it will, as far as the key says). */
function lacksSeat(memberKey: string | null, member: string, service: string): string | null {
  if (memberKey === null) return `${member} is no longer a live member`;
  const m = readMemberRecord(memberKey);
  // Unreadable is not able: the leader stopped its healthy instance for a member nobody could vouch for, and nobody led.
  if (typeof m === 'string') return `${member}'s member key cannot be read (${m})`;
  if (m.services && !m.services.includes(service)) return notASeat(member, service, m.services);
  return m.idle?.includes(service) ? idleThere(member, service) : null;
}

function idleThere(member: string, service: string): string {
  return `${service} is stopped, held or in maintenance on ${member}`;
}

/** What an etcd failure was about: the lease (grant, renew), the election keys, or this member's own key. */
type EtcdPart = 'lease' | 'keys' | 'member';

export class ClusterNode {
  private readonly keys;
  private readonly seats = new Map<string, SeatState>();
  private lease: Lease | undefined;
  private leaseId: string | null = null;
  /**
   * When the last renewal etcd confirmed was sent, on both clocks: the deadlines count from the earlier of the two
   * readings (see sentAt), so a step of the wall clock never moves them later.
   */
  private lastRenewSent: { wall: number; mono: number } | null = null;
  private renewing = false;
  private etcdOk = false;
  /** The current etcd failure of the lease (grant, renew), of the keys (elections) and of the member key, described; null when fine. */
  private readonly problems = new Map<EtcdPart, string>();
  /** The lease this member's key was last written with: until it is the current lease, the others do not see this member. */
  private registeredLease: string | null = null;
  /** The idle singletons the member key last said, and since when it says this lease is live (kept across rewrites). */
  private registeredIdle = '';
  private registeredSince = 0;
  /** Another live daemon holds this member's key (the same cluster.member twice): said once, no campaign until it is free. */
  private nameTaken: string | null = null;
  /** The current problem as status shows it. */
  private etcdError: string | null = null;
  /** What was last announced (cluster.etcd-unreachable), so a failure is said once per cause, not per call. */
  private announced: string | null = null;
  /** The cause of what was announced (the description without the client's changing words, etcdErrorCause). */
  private announcedCause: string | null = null;
  private readonly abort = new AbortController();
  private loops: Promise<void>[] = [];
  private readonly ttlSec: number;
  private started = false;
  /** The etcd cluster this member's endpoints answered for, and the endpoints not yet heard from (asked until they answer). */
  private clusterId: string | null = null;
  private readonly unverified: Set<string>;

  constructor(
    private readonly client: Etcd3,
    private readonly cfg: ClusterConfig,
    private readonly clock: Clock,
    private readonly emit: (e: ClawbackEvent) => void,
    private readonly memberInfo: () => Record<string, unknown>,
    /** Renews through the endpoint that answers (absent: the client's own keep-alive, any endpoint). */
    private readonly renewer?: LeaseRenewer,
    /** Where the lease id is kept for the next daemon of this member (absent: every daemon grants its own). */
    private readonly leaseStore?: LeaseStore,
    /** Which etcd cluster each of these endpoints belongs to (absent: not checked). */
    private readonly identify?: (endpoints: string[]) => Promise<EndpointIdentity[]>,
  ) {
    this.keys = clusterKeys(cfg.prefix);
    this.ttlSec = Math.ceil(cfg.leaseTtl / 1000);
    this.unverified = new Set(cfg.endpoints.map((u) => u.replace(/\/$/, '')));
  }

  get member(): string {
    return this.cfg.member;
  }

  /**
   * Adds a seat, or (a reload changed the service) gives an existing one its new callbacks and stop grace while it
   * keeps its election state: a member that holds the lease keeps it across a reload.
   */
  addSeat(seat: Seat): void {
    const timing = leaseTiming(this.ttlSec * 1000, seat.stopGraceMs);
    const known = this.seats.get(seat.name);
    if (known) {
      known.seat = seat;
      known.timing = timing;
      return;
    }
    const st: SeatState = {
      seat,
      timing,
      leading: false,
      token: null,
      holder: null,
      holderSeenAt: null,
      lastSeenOther: null,
      busy: false,
      handingOver: false,
      withdrawnMove: null,
      beforeWinSkip: null,
      failovers: 0,
      noLeaderMs: 0,
      wonAt: null,
      checkedAt: 0,
    };
    this.seats.set(seat.name, st);
    this.registeredLease = null; // the member key names the singletons this member takes: rewritten at the next renewal
    if (this.started) this.pollSeat(st);
  }

  hasSeat(name: string): boolean {
    return this.seats.has(name);
  }

  /**
   * The service is no longer a singleton (a reload made it `everywhere`, or removed it): stop campaigning for it and
   * free its leader key if this member holds it (its old runtime was disposed, its instance stopped).
   */
  async retireSeat(name: string): Promise<void> {
    const st = this.seats.get(name);
    if (!st) return;
    this.seats.delete(name);
    this.registeredLease = null;
    if (!st.leading || !this.leaseId) return;
    st.leading = false;
    const key = this.keys.leader(name);
    await this.withTimeout(this.client.if(key, 'Lease', '==', this.leaseId).then(this.client.delete().key(key)).commit()).catch(() => undefined);
  }

  start(): void {
    this.started = true;
    const timing = leaseTiming(this.ttlSec * 1000, 0);
    this.loops.push(this.loop(timing.renewEveryMs, () => this.renew()));
    // Apart from the renewals: an endpoint that is down is asked again without delaying a renewal.
    this.loops.push(this.loop(timing.renewEveryMs, async () => void (this.leaseId !== null && (await this.endpointsAgree()))));
    for (const st of this.seats.values()) this.pollSeat(st);
  }

  private pollSeat(st: SeatState): void {
    this.loops.push(this.loop(this.cfg.pollInterval, () => this.poll(st), () => this.seats.get(st.seat.name) === st));
  }

  private async loop(everyMs: number, body: () => Promise<void>, alive: () => boolean = () => true): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted && alive()) {
      const began = this.clock.monotonic();
      try {
        await body();
      } catch {
        // an etcd error is a fact about reachability, handled by the lease's deadline
      }
      // A period, not a pause after the call: a slow etcd must not stretch the renewal interval.
      const left = everyMs - (this.clock.monotonic() - began);
      await this.clock.sleep(Math.max(10, left), signal).catch(() => undefined);
    }
  }

  private withTimeout<T>(p: Promise<T>, ms = callTimeoutMs(this.cfg.leaseTtl)): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const t = this.clock.setTimeout(() => reject(new Error(`etcd did not answer within ${ms} ms`)), ms);
      p.then(
        (v) => {
          t.cancel();
          resolve(v);
        },
        (e: unknown) => {
          t.cancel();
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }

  // ---- the member's lease -------------------------------------------------------------------------

  private async renew(): Promise<void> {
    if (this.renewing) return;
    this.renewing = true;
    try {
      if (this.leaseId === null) return await this.grant();
      const sentAt = this.sentNow();
      try {
        // A late answer still counts from when the renewal was sent, so it may take up to 40 % of the TTL.
        const id = this.leaseId!;
        const bound = Math.round(this.ttlSec * 400);
        await (this.renewer ? this.renewer.renew(id, bound, this.abort.signal) : this.withTimeout(this.lease!.keepaliveOnce(), bound));
      } catch (err) {
        this.etcdFailed(err);
        if (leaseGone(err)) this.leaseLost('the lease expired in etcd');
        return;
      }
      this.etcdFine();
      this.lastRenewSent = sentAt;
      await this.register();
      for (const st of this.seats.values()) if (st.leading) await this.confirm(st);
    } finally {
      this.renewing = false;
    }
  }

  /**
   * Every endpoint that answers belongs to the same etcd cluster. A list mixing two clusters (a deploy typo) made each
   * call go to either: both members won the election, each on its own cluster, and ran the singleton at once. Such a
   * list is refused loudly: no lease (a lease held is given up, so the reducer stops the instance), no election.
   */
  private async endpointsAgree(): Promise<boolean> {
    if (!this.identify || this.unverified.size === 0) return true;
    const answers = await this.identify([...this.unverified]);
    const why = mixedClusters(answers, this.clusterId);
    if (why !== null) {
      this.etcdOk = false;
      this.problems.set('lease', why);
      this.etcdError = this.currentProblem();
      if (this.announcedCause !== why) {
        this.announced = why;
        this.announcedCause = why;
        this.emit({ type: 'cluster.etcd-unreachable', time: this.clock.now(), severity: 'critical', message: `cluster member ${this.member}: ${why}`, details: { error: why, endpoints: this.cfg.endpoints } });
      }
      if (this.leaseId !== null) this.leaseLost('cluster.endpoints mixes two etcd clusters');
      return false;
    }
    for (const a of answers) {
      if (a.clusterId === null) continue;
      this.clusterId = a.clusterId;
      this.unverified.delete(a.endpoint);
    }
    return true;
  }

  private async grant(): Promise<void> {
    if (!(await this.endpointsAgree())) return;
    const sentAt = this.sentNow();
    const lease = this.client.lease(this.ttlSec, { autoKeepAlive: false });
    lease.on('lost', () => undefined);
    let id: string;
    try {
      id = await this.withTimeout(lease.grant());
    } catch (err) {
      this.etcdFailed(err);
      void lease.revoke().catch(() => undefined);
      return;
    }
    this.etcdFine();
    this.lease = lease;
    this.leaseId = id;
    this.lastRenewSent = sentAt;
    await this.leaseStore?.save({ member: this.member, prefix: this.cfg.prefix, leaseId: id }).catch(() => undefined);
    await this.register();
  }

  /**
   * Takes over the lease the previous daemon of this member granted (a restart that left its singletons running:
   * systemctl restart, an upgrade), instead of waiting it out: the old daemon no longer renews it, so its instance was
   * stopped (or fenced) and the service stayed down for about one TTL. The lease is this member's beyond doubt: its id
   * was kept in this state directory by this member of this cluster, etcd still has it with the same TTL, and this
   * member's own key is attached to it. Each singleton whose leader key is on it and names this member is held again
   * with its fencing token, before the services boot, so the instance the new daemon adopts keeps running. Anything
   * else (no file, another member or prefix, the lease gone, etcd silent): a new lease is granted as before.
   * Called once, before start().
   */
  async takeOverLease(): Promise<boolean> {
    const saved = this.leaseStore?.load();
    if (!saved || !this.renewer || this.leaseId !== null || saved.member !== this.member || saved.prefix !== this.cfg.prefix) return false;
    const id = saved.leaseId;
    try {
      if (!(await this.endpointsAgree())) return false;
      const ttl = await this.withTimeout(this.client.leaseClient.leaseTimeToLive({ ID: id }));
      if (Number(ttl.TTL) <= 0 || Number(ttl.grantedTTL) !== this.ttlSec) return false;
      const mine = await this.withTimeout(this.client.get(this.keys.member(this.member)).exec());
      if (mine.kvs[0]?.lease !== id) return false;
      const sentAt = this.sentNow();
      await this.renewer.renew(id, Math.round(this.ttlSec * 400), this.abort.signal);
      const held: Array<{ st: SeatState; token: number }> = [];
      for (const st of this.seats.values()) {
        const kv = (await this.withTimeout(this.client.get(this.keys.leader(st.seat.name)).exec())).kvs[0];
        if (kv && kv.lease === id && kv.value.toString() === this.member) held.push({ st, token: Number(kv.create_revision) });
      }
      this.leaseId = id;
      // registeredLease stays unset: the next renewal rewrites the member key with this daemon's singletons.
      this.lastRenewSent = sentAt;
      this.etcdFine();
      for (const { st, token } of held) {
        st.leading = true;
        st.token = token;
        st.holder = this.member;
        st.wonAt = this.clock.now();
        st.checkedAt = this.clock.monotonic();
        await this.confirm(st);
      }
      this.emit({ type: 'cluster.leader', time: this.clock.now(), severity: 'info', message: `cluster member ${this.member}: took over the lease of its previous daemon (${id})${held.length ? `, still holding ${held.map((h) => `${h.st.seat.name} (fencing token ${h.token})`).join(', ')}` : ''}`, details: { leaseId: id, services: held.map((h) => h.st.seat.name) } });
      return true;
    } catch {
      return false;
    }
  }

  /** Writes this member's key on its lease (the others' view of who is live); a failure is shown and retried at the next renewal. */
  private async register(): Promise<void> {
    const id = this.leaseId;
    // A singleton stopped or held here is said in the key, so a move to this member is refused up front, not withdrawn at its next poll.
    const idle = [...this.seats.values()].filter((st) => !st.seat.mayCampaign()).map((st) => st.seat.name);
    if (id === null || (this.registeredLease === id && this.registeredIdle === idle.join(','))) return;
    const key = this.keys.member(this.member);
    const since = this.registeredLease === id ? this.registeredSince : this.clock.now();
    try {
      const kv = (await this.withTimeout(this.client.get(key).exec())).kvs[0];
      const clash = kv ? nameClash(kv.value.toString(), String(kv.lease), id, this.memberInfo()) : null;
      if (clash !== null) return this.nameInUse(clash);
      // Written only if nobody else wrote it since it was read: two daemons of one name must not overwrite each other.
      const txn = kv ? this.client.if(key, 'Mod', '==', kv.mod_revision) : this.client.if(key, 'Create', '==', 0);
      const res = await this.withTimeout(txn.then(this.client.put(key).value(JSON.stringify({ member: this.member, since, services: [...this.seats.keys()], idle, ...this.memberInfo() })).lease(id)).commit());
      if (!res.succeeded) return; // written by another daemon meanwhile: read again at the next renewal
    } catch (err) {
      this.etcdFailed(err, 'member');
      return;
    }
    this.registeredLease = id;
    this.registeredIdle = idle.join(',');
    this.registeredSince = since;
    if (this.nameTaken !== null) this.emit({ type: 'cluster.standby', time: this.clock.now(), severity: 'info', message: `cluster member ${this.member}: the name is free again (was: ${this.nameTaken}); this daemon campaigns`, details: { was: this.nameTaken } });
    this.nameTaken = null;
    this.etcdFine('member');
  }

  /** The member key is another live daemon's: said once per holder, shown in status; this daemon stands by, retried at every renewal. */
  private nameInUse(clash: string): void {
    const why = `cluster.member: "${this.member}" is already in use: ${clash}; expected a name unique in the cluster (give each daemon its own cluster.member)`;
    this.problems.set('member', why);
    this.etcdError = this.currentProblem();
    if (this.nameTaken === why) return;
    this.nameTaken = why;
    this.emit({ type: 'cluster.standby', time: this.clock.now(), severity: 'critical', message: `${why}; this daemon stands by for its singletons until the name is free`, details: { error: why } });
  }

  /**
   * etcd cannot be used. Said out loud (once per cause) when it will not pass by itself (a refusal: TLS, auth,
   * permissions), when this member has no lease at all, or when its lease went a whole TTL without a renewal (etcd may
   * have let it expire: this member can neither keep nor take a singleton). A standby whose etcd stayed silent was
   * silent itself for as long as the outage lasted (only a leader said cluster.fenced), and said it only once etcd was
   * back. A renewal or a poll that failed on a lost endpoint or during etcd's leader election is only shown in the status.
   */
  private etcdFailed(err: unknown, part: EtcdPart = 'lease'): void {
    if (part === 'lease') this.etcdOk = false;
    const described = describeEtcdError(err, this.cfg);
    const why = part === 'member' ? `its member key ${this.keys.member(this.member)} was not written: ${described}` : described;
    this.problems.set(part, why);
    this.etcdError = this.currentProblem();
    const cause = `${part}: ${etcdErrorCause(err, this.cfg)}`;
    const lapsed = part === 'lease' && (this.leaseId === null || (this.leaseAgeMs() ?? 0) >= this.cfg.leaseTtl);
    if (cause === this.announcedCause || !(isEtcdRefusal(err) || lapsed)) return;
    this.announced = why;
    this.announcedCause = cause;
    const age = this.leaseAgeMs();
    const unrenewed = part === 'lease' && this.leaseId !== null && age !== null ? `no lease renewal confirmed for ${Math.round(age / 1000)} s; ` : '';
    const effect = part === 'member' ? 'the other members do not see it as live (a move to it is refused or withdrawn); retried at every lease renewal' : `${unrenewed}singleton services stand by (or fence themselves) until etcd answers`;
    this.emit({ type: 'cluster.etcd-unreachable', time: this.clock.now(), severity: 'critical', message: `cluster member ${this.member}: ${why}; ${effect}`, details: { error: why, endpoints: this.cfg.endpoints } });
  }

  private currentProblem(): string | null {
    return this.problems.get('lease') ?? this.problems.get('keys') ?? this.problems.get('member') ?? null;
  }

  private etcdFine(part: EtcdPart = 'lease'): void {
    if (part === 'lease') this.etcdOk = true;
    this.problems.delete(part);
    this.etcdError = this.currentProblem();
    if (this.etcdError !== null || this.announced === null) return;
    const was = this.announced;
    this.announced = null;
    this.announcedCause = null;
    this.emit({ type: 'cluster.etcd-reachable', time: this.clock.now(), severity: 'info', message: `cluster member ${this.member}: etcd answers again (was: ${was})`, details: { was } });
  }

  /** The current etcd failure, in words (null when etcd answers). */
  etcdProblem(): string | null {
    return this.etcdError;
  }

  private leaseLost(why: string): void {
    this.lease = undefined;
    this.leaseId = null;
    this.lastRenewSent = null;
    for (const st of this.seats.values()) {
      if (!st.leading) continue;
      st.leading = false;
      this.tell(st, { active: false, holder: null, reason: why });
    }
  }

  private sentNow(): { wall: number; mono: number } {
    return { wall: this.clock.now(), mono: this.clock.monotonic() };
  }

  /**
   * The wall time the last confirmed renewal was sent, read on today's wall clock: the earlier of the wall reading
   * taken then and the monotonic age counted back from now. A step back between the two (NTP, date -s, even during the
   * renewal's round trip) otherwise put every deadline an hour late: the instance ran, and its guard waited, an hour
   * past the lease while another member started one. A step forward keeps the wall reading, as the reducer does (it
   * may be a VM's pause, during which etcd let the lease expire).
   */
  private sentAt(): number | null {
    const sent = this.lastRenewSent;
    if (sent === null) return null;
    return Math.min(sent.wall, this.clock.now() - (this.clock.monotonic() - sent.mono));
  }

  /** The lease is ours until these times (counted from the last renewal etcd confirmed). */
  private deadlines(st: SeatState): { stopBy: number; killBy: number } | null {
    const sent = this.sentAt();
    if (sent === null) return null;
    return { stopBy: sent + st.timing.stopAfterMs, killBy: sent + st.timing.killAfterMs };
  }

  /** A fact for the seat's service; dropped once the seat is retired (a reload made the service `everywhere`). */
  private tell(st: SeatState, fact: PlacementFact): void {
    if (this.seats.get(st.seat.name) === st) st.seat.report(fact);
  }

  private async confirm(st: SeatState): Promise<void> {
    const d = this.deadlines(st);
    if (!d || st.token === null) return;
    await st.seat.fence(d.killBy).catch(() => undefined);
    this.tell(st, { active: true, token: st.token, holder: this.member, ...d });
  }

  // ---- elections ----------------------------------------------------------------------------------

  private async poll(st: SeatState): Promise<void> {
    if (!this.leaseId || st.busy) return;
    const now = this.clock.monotonic();
    if (st.leading && now - st.checkedAt < st.timing.renewEveryMs) return;
    st.checkedAt = now;
    st.busy = true;
    try {
      if (st.leading) await this.pollLeading(st);
      else await this.pollStandby(st);
      st.holderSeenAt = this.clock.monotonic();
      this.etcdFine('keys');
    } catch (err) {
      this.etcdFailed(err, 'keys');
      throw err;
    } finally {
      st.busy = false;
    }
  }

  private async pollLeading(st: SeatState): Promise<void> {
    const key = this.keys.leader(st.seat.name);
    const res = await this.withTimeout(this.client.if(key, 'Lease', '==', this.leaseId!).then(this.client.get(this.keys.move(st.seat.name))).else(this.client.get(key)).commit());
    const kv = res.responses[0]?.response_range?.kvs?.[0];
    if (!res.succeeded) {
      st.leading = false;
      st.holder = kv ? kv.value.toString() : null;
      this.tell(st, { active: false, holder: st.holder, reason: st.holder ? `${st.holder} holds the lease now` : 'the lease is no longer ours' });
      return;
    }
    const target = kv?.value.toString();
    // The target is checked first (as a standby does): a request for a member that is gone, or never was, stopped a healthy instance for nobody.
    if (target && target !== this.member && !(await this.moveUnfollowable(st, target))) await this.handOver(st, `moving to ${target} (clawback cluster move)`, undefined, target);
  }

  private async pollStandby(st: SeatState): Promise<void> {
    const name = st.seat.name;
    const key = this.keys.leader(name);
    const moveKey = this.keys.move(name);
    let move = await this.withTimeout(this.client.get(moveKey).string());
    if (move !== null && (await this.moveUnfollowable(st, move))) move = null;
    const mine = move === this.member;
    const may = st.seat.mayCampaign() && (move === null || mine) && this.deadlines(st) !== null && this.nameTaken === null;
    if (!may) {
      const holder = await this.withTimeout(this.client.get(key).string());
      if (holder === this.member) await this.freeStaleKey(st);
      this.observe(st, holder);
      return;
    }
    const txn = this.client.if(key, 'Create', '==', 0);
    if (mine) txn.and(moveKey, 'Value', '==', this.member);
    const res = await this.withTimeout(
      txn
        .then(this.client.put(key).value(this.member).lease(this.leaseId!), ...(mine ? [this.client.delete().key(moveKey)] : []))
        .else(this.client.get(key))
        .commit(),
    );
    if (!res.succeeded) {
      const kv = res.responses[0]?.response_range?.kvs?.[0];
      const holder = kv ? kv.value.toString() : null;
      if (holder === this.member) await this.freeStaleKey(st);
      this.observe(st, holder);
      return;
    }
    await this.won(st, Number(res.header.revision), mine);
  }

  /**
   * A move request nobody will follow: it names this member while its service may not run here (stopped, held, in
   * maintenance), or a member that is no longer live. Only the named member campaigns while a request stands, so such a
   * request left the service with no leader until it lapsed (max(30 s, 6 TTL)) once the leader had handed over. It is
   * withdrawn (only if it still names that member), said once by whoever withdrew it, and the others campaign at once.
   */
  private async moveUnfollowable(st: SeatState, to: string): Promise<boolean> {
    const why = to === this.member ? (st.seat.mayCampaign() ? null : idleThere(to, st.seat.name)) : lacksSeat(await this.withTimeout(this.client.get(this.keys.member(to)).string()), to, st.seat.name);
    if (why === null) return false;
    const moveKey = this.keys.move(st.seat.name);
    const res = await this.withTimeout(this.client.if(moveKey, 'Value', '==', to).then(this.client.delete().key(moveKey)).commit());
    if (res.succeeded) this.emit({ type: 'cluster.standby', time: this.clock.now(), severity: 'warning', service: st.seat.name, message: `${st.seat.name}: the request to move it to ${to} is withdrawn: ${why}; the other members may take it`, details: { move: to, withdrawn: why } });
    return true;
  }

  private observe(st: SeatState, holder: string | null): void {
    if (holder !== null && holder !== this.member) st.lastSeenOther = { member: holder, mono: this.clock.monotonic() };
    if (holder === st.holder) return;
    st.holder = holder;
    this.tell(st, { active: false, holder });
  }

  private async won(st: SeatState, token: number, moved: boolean): Promise<void> {
    const now = this.clock.now();
    const from = st.lastSeenOther?.member ?? st.holder;
    st.token = token;
    st.holder = this.member;
    st.wonAt = now;
    st.withdrawnMove = null;
    // Counted on the monotonic clock: on the wall clock an NTP step in between made the gap (and the counter) -1 h or +1 h.
    // Whole milliseconds: the monotonic clock reads fractions, and the event said "no leader for 105.4468139999999 ms".
    const gap = st.lastSeenOther !== null ? Math.round(this.clock.monotonic() - st.lastSeenOther.mono) : 0;
    st.lastSeenOther = null;
    await this.beforeWin(st);
    const d = this.deadlines(st);
    if (!d) return;
    st.leading = true;
    await st.seat.fence(d.killBy).catch(() => undefined);
    this.tell(st, { active: true, token, holder: this.member, ...d });
    if (from !== null && from !== this.member) {
      st.failovers++;
      st.noLeaderMs += gap;
      const incident = await this.takeIncident(st.seat.name);
      const record: FailoverRecord = { service: st.seat.name, from, to: this.member, kind: moved ? 'move' : 'failover', at: now, noLeaderMs: gap, fencingToken: token, ...(incident ? { incident } : {}) };
      this.emit({
        type: 'cluster.failover',
        time: now,
        severity: 'warning',
        service: st.seat.name,
        ...(incident ? { incidentId: incident.id } : {}),
        message: `${st.seat.name}: ${moved ? 'moved' : 'failed over'} from ${from} to ${this.member} (no leader for ${gap} ms, fencing token ${token})${incident ? `; ${from} gave it up in incident ${incident.id}: ${incident.reason}` : ''}`,
        details: { ...record },
      });
      await this.withTimeout(this.client.put(this.keys.failover(st.seat.name)).value(JSON.stringify(record)).exec()).catch(() => undefined);
    }
  }

  /**
   * The seat's work between the win and the start, bounded: a config write stuck on a hung disk held the won lease
   * with the service never started, for good. Past the bound (or on an error) it is said and the start goes on with
   * this member's own config; the late work is aborted so it writes nothing under the running instance.
   */
  private async beforeWin(st: SeatState): Promise<void> {
    if (!st.seat.beforeWin) return;
    const ms = 2 * callTimeoutMs(this.cfg.leaseTtl);
    const ac = new AbortController();
    let timer: { cancel(): void } | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = this.clock.setTimeout(() => resolve('late'), ms);
    });
    const r = await Promise.race([st.seat.beforeWin(ac.signal).then(() => 'done' as const, (err: unknown) => (err instanceof Error ? err : new Error(String(err)))), late]);
    timer?.cancel();
    if (r === 'done') return void (st.beforeWinSkip = null);
    ac.abort();
    const why = r === 'late' ? `it did not finish within ${ms} ms (2 x the etcd call bound, TTL/5)` : r.message;
    if (st.beforeWinSkip === why) return;
    st.beforeWinSkip = why;
    this.emit({ type: 'config.snapshot', time: this.clock.now(), severity: 'warning', service: st.seat.name, message: `${st.seat.name}: the newest good config from etcd was not taken before the start: ${why}; this member starts with its own config`, details: { action: 'cluster-follow-skipped', reason: why, boundMs: ms } });
  }

  /** The incident a releasing member left for the next one (read once, then removed). */
  private async takeIncident(service: string): Promise<CarriedIncident | null> {
    try {
      const key = this.keys.incident(service);
      const raw = await this.withTimeout(this.client.get(key).string());
      if (!raw) return null;
      await this.withTimeout(this.client.delete().key(key).exec()).catch(() => undefined);
      return JSON.parse(raw) as CarriedIncident;
    } catch {
      return null;
    }
  }

  /**
   * A standby seat whose key still carries this member's lease: a hand-over whose delete failed (etcd did not answer
   * at that moment). Nobody else could ever win it while this lease lives, and this member does not run the service:
   * the delete is retried (only while the key is on this lease, never a previous daemon's: its guard fences that one).
   */
  private async freeStaleKey(st: SeatState): Promise<void> {
    if (st.leading || st.handingOver || !this.leaseId) return;
    const key = this.keys.leader(st.seat.name);
    await this.withTimeout(this.client.if(key, 'Lease', '==', this.leaseId).then(this.client.delete().key(key)).commit());
  }

  /** Stops this member's instance (through the reducer), waits for it to be gone, then frees the lease key. */
  private async handOver(st: SeatState, reason: string, incident?: CarriedIncident, movingTo?: string): Promise<void> {
    st.handingOver = true;
    try {
      await this.handOverNow(st, reason, incident, movingTo);
    } finally {
      st.handingOver = false;
    }
  }

  private async handOverNow(st: SeatState, reason: string, incident?: CarriedIncident, movingTo?: string): Promise<void> {
    st.leading = false;
    st.withdrawnMove = null;
    this.tell(st, { active: false, holder: null, reason });
    const d = this.deadlines(st);
    // Waited on the monotonic clock: on the wall clock a step forward freed the key under a running instance, a step back held it for the step.
    const until = this.clock.monotonic() + Math.max(0, (d?.killBy ?? this.clock.now()) - this.clock.now()) + 1000;
    while (!st.seat.instanceGone() && this.clock.monotonic() < until && !this.abort.signal.aborted) await this.clock.sleep(25, this.abort.signal).catch(() => undefined);
    const key = this.keys.leader(st.seat.name);
    if (incident) await this.withTimeout(this.client.put(this.keys.incident(st.seat.name)).value(JSON.stringify(incident)).exec()).catch(() => undefined);
    const lease = this.leaseId ?? '0';
    const free = this.client.if(key, 'Lease', '==', lease);
    // A move cancelled while the instance stopped ("already runs on" the leader, whose key still named it): the key was
    // freed anyway and any member could win. The key is freed only while a request names another member (an absent
    // key's Value compares false); else this member keeps the service, with its key and fencing token.
    if (movingTo) free.and(this.keys.move(st.seat.name), 'Value', '!=', this.member);
    const res = await this.withTimeout(free.then(this.client.delete().key(key)).else(this.client.get(key)).commit()).catch(() => undefined);
    st.holder = null;
    if (!movingTo || !res || res.succeeded || res.responses[0]?.response_range?.kvs?.[0]?.lease !== lease || this.abort.signal.aborted) return;
    st.holder = this.member;
    st.leading = true;
    st.checkedAt = this.clock.monotonic();
    const stopped = st.seat.instanceGone();
    st.withdrawnMove = { to: movingTo, at: this.clock.now() };
    const what = stopped ? `its instance here had already stopped for the handover and is started again` : `its instance here was still stopping; it is started again once gone`;
    this.emit({ type: 'cluster.leader', time: this.clock.now(), severity: 'warning', service: st.seat.name, message: `${st.seat.name}: the request to move it to ${movingTo} was withdrawn during the handover; ${movingTo} never took it: it stays on ${this.member} (fencing token ${st.token}), ${what}`, details: { move: movingTo, withdrawn: 'during the handover', instanceStopped: stopped } });
    await this.confirm(st);
  }

  /** The reducer gave the service up (Level 4, a failed preflight): free the key for another member. */
  release(service: string, reason: string, incident?: Omit<CarriedIncident, 'from'> | null): void {
    const st = this.seats.get(service);
    if (!st || !st.leading) return;
    void this.handOver(st, reason, incident ? { ...incident, from: this.member } : undefined);
  }

  /** Asks the leader of a service to hand it to another member (the request lapses after a while). */
  async move(service: string, to: string): Promise<{ status: number; message: string }> {
    const st = this.seats.get(service);
    if (!st) return { status: 404, message: `no singleton service named "${service}" (known: ${[...this.seats.keys()].join(', ') || 'none'})` };
    // "?" stands for an unreadable member key in status: a move to it was accepted, and the leader stopped its instance for nobody.
    const named = memberName.safeParse(to);
    if (!named.success) return { status: 400, message: `to: ${JSON.stringify(to)} is not a member name: ${named.error.issues[0]?.message}` };
    // This member would withdraw the request at its next poll: it was answered 202 "asked M to hand over" and nothing moved.
    if (to === this.member && !st.seat.mayCampaign()) return { status: 409, message: `${service} is stopped, held or in maintenance here on ${to}, which does not campaign for it: a move to ${to} is refused (it would be withdrawn at once); \`clawback status\` here says which, \`clawback start ${service}\` or \`clawback resume ${service}\` here lets ${to} take part again` };
    // A person's request, not a renewal racing its lease: each call may take up to one lease TTL (an etcd still electing
    // or fsyncing under load answered a move with 503 at the renewals' 1 s bound).
    // gRPC's deadline is a wall time (the client's own default is set the same way in etcd-connect).
    const patience = this.cfg.leaseTtl;
    const call = (): { deadline: number } => ({ deadline: Date.now() + patience });
    const { members, unreadable } = await this.members(patience, call());
    const target = members.find((m) => m.member === to);
    // Its key is there but unreadable: "no live member named X (live: a, ?)" hid the key to mend behind the "?".
    const bad = unreadable.find((u) => u.key === this.keys.member(to));
    if (!target && bad) return { status: 409, message: `${to}'s member key ${bad.key} cannot be read (${bad.problem}): a move to it is refused (expected a member record; a live member rewrites its key at each lease renewal)` };
    // An unknown name, as an unknown service is (404, exit 4): it exited 1 while "no singleton service named X" exited 4.
    if (!target) return { status: 404, message: `no live member named "${to}" (live: ${members.map((m) => m.member).join(', ') || 'none'})` };
    // Only the named member campaigns while a request stands: one without this singleton would leave it with no leader.
    if (target.services && !target.services.includes(service)) return { status: 409, message: notASeat(to, service, target.services) };
    // Its key says it does not campaign for it (stopped, held, in maintenance there; here this member itself knows, at once): the request was answered 202 and withdrawn at its next poll.
    if (to !== this.member && target.idle?.includes(service)) return { status: 409, message: `${idleThere(to, service)}, which does not campaign for it: a move to ${to} is refused (it would be withdrawn at once); \`clawback status\` on ${to} says which, \`clawback start ${service}\` or \`clawback resume ${service}\` there lets ${to} take part again` };
    const holder = await this.withTimeout(this.client.get(this.keys.leader(service)).options(call()).string(), patience);
    if (holder === to) {
      // A change of mind (move to b, then back to the leader): the standing request would still have moved it to b.
      const prev = await this.withTimeout(this.client.delete().key(this.keys.move(service)).options(call()).getPrevious(), patience);
      const was = prev[0]?.value.toString();
      // The leader may already have stopped its instance for that request: it keeps the service and starts it again, and its `cluster status` says so.
      return { status: 200, message: `${service} already runs on ${to}${was && was !== to ? ` (the request to move it to ${was} is withdrawn); if ${to} had already begun the handover, it keeps ${service} and starts its instance again: \`clawback cluster status\` on ${to} says so` : ''}` };
    }
    const lapse = this.client.lease(Math.max(30, this.ttlSec * 6), { autoKeepAlive: false, ...call() });
    lapse.on('lost', () => undefined);
    await this.withTimeout(lapse.put(this.keys.move(service)).value(to).options(call()).exec(), patience);
    // Nobody leads it (between a stop and the next win, or held everywhere): there is no leader to ask.
    return { status: 202, message: holder === null ? `${service}: no member leads it now; asked ${to} to take it` : `${service}: asked ${holder} to hand over to ${to}` };
  }

  /** The live members' keys; one that cannot be read is named in unreadable (and is shown as "?"). */
  private async members(ms?: number, options?: { deadline: number }): Promise<{ members: ClusterStatus['members']; unreadable: UnreadableRecord[] }> {
    const all = await this.withTimeout(this.client.getAll().prefix(this.keys.members()).options(options).strings(), ms);
    const unreadable: UnreadableRecord[] = [];
    const members = Object.entries(all).map(([key, v]) => {
      const m = readMemberRecord(v);
      if (typeof m !== 'string') return m;
      unreadable.push({ key, problem: m });
      return { member: '?', since: null, api: null, services: null, idle: null };
    });
    return { members, unreadable };
  }

  async status(): Promise<ClusterStatus> {
    let members: ClusterStatus['members'] = [];
    const unreadable: UnreadableRecord[] = [];
    const failovers = new Map<string, FailoverRecord>();
    let reachable = this.etcdOk;
    let recordsRead = true;
    try {
      const seen = await this.members();
      members = seen.members;
      unreadable.push(...seen.unreadable);
      for (const name of this.seats.keys()) {
        const key = this.keys.failover(name);
        const f = await this.withTimeout(this.client.get(key).string());
        if (!f) continue;
        const record = readFailoverRecord(f);
        if (typeof record === 'string') unreadable.push({ key, problem: record });
        else failovers.set(name, record);
      }
    } catch {
      reachable = false;
      recordsRead = false;
      // Whatever was read before the failure is partial: shown as unknown, not as the whole.
      members = [];
      unreadable.length = 0;
      failovers.clear();
    }
    const mono = this.clock.monotonic();
    return {
      member: this.member,
      endpoints: this.cfg.endpoints,
      leaseTtlMs: this.ttlSec * 1000,
      leaseId: this.leaseId,
      renewEndpoint: this.renewer?.endpoint ?? null,
      etcdError: this.etcdError,
      leaseAgeMs: this.leaseAgeMs(),
      members,
      unreadable,
      etcdReachable: reachable,
      recordsRead,
      services: [...this.seats.values()].map((st) => ({
        service: st.seat.name,
        leader: st.leading ? this.member : st.holder,
        self: this.activeHere(st),
        fenced: st.leading && !this.activeHere(st),
        fencingToken: this.activeHere(st) ? st.token : null,
        leaderSeenAgoMs: st.holderSeenAt === null ? null : Math.max(0, Math.round(mono - st.holderSeenAt)),
        leaderSince: this.activeHere(st) ? st.wonAt : null,
        failovers: st.failovers,
        noLeaderSeconds: st.noLeaderMs / 1000,
        lastFailover: failovers.get(st.seat.name) ?? null,
        // Only while the service is still with this member since: after it left, the last failover says what became of it.
        withdrawnMove: st.leading && st.withdrawnMove ? { ...st.withdrawnMove, running: !st.seat.instanceGone() } : null,
      })),
    };
  }

  /** Leading and still before the stop deadline: the reducer stops the instance once stopBy passes without a renewal. */
  private activeHere(st: SeatState): boolean {
    const d = st.leading ? this.deadlines(st) : null;
    return d !== null && this.clock.now() < d.stopBy;
  }

  /** Since the last lease renewal etcd confirmed (null: no lease), as this member knows it: no etcd call. */
  leaseAgeMs(): number | null {
    return this.lastRenewSent !== null ? Math.max(0, this.clock.now() - this.sentAt()!) : null;
  }

  /** Local figures for /metrics (no etcd call). */
  localFigures(): Array<{ service: string; leading: boolean; failovers: number; noLeaderSeconds: number }> {
    return [...this.seats.values()].map((st) => ({ service: st.seat.name, leading: this.activeHere(st), failovers: st.failovers, noLeaderSeconds: st.noLeaderMs / 1000 }));
  }

  /**
   * Stops the loops. When every instance this member ran is gone (the daemon stopped its services), the lease is
   * given back and another member takes over at once; when one still runs (the daemon leaves it for the next
   * daemon), the lease is left to expire: the fence guard kills the instance before it does.
   */
  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.allSettled(this.loops);
    const lease = this.lease;
    const id = this.leaseId;
    this.lease = undefined;
    const stillRunning = [...this.seats.values()].some((st) => st.leading && !st.seat.instanceGone());
    // A lease taken over from the previous daemon has no Lease object of this client: revoked by its id.
    if (id !== null && !stillRunning) await this.withTimeout(lease ? lease.revoke() : this.client.leaseClient.leaseRevoke({ ID: id }).then(() => undefined)).catch(() => undefined);
    this.client.close();
    this.renewer?.close();
  }
}
