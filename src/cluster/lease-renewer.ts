// Renews a lease through whichever etcd endpoint answers first: the one that answered last, then (on its error or silence) the others.
import type { Etcd3 } from 'etcd3';
import type { Clock } from '../platform/clock.js';

/**
 * Why this exists: the etcd3 client picks a random endpoint for every keep-alive stream, and the error of a dead one
 * arrives after the stream is open, past its circuit breaker. So with 1 of 3 members dead, a third of the renewals
 * failed, and three in a row (about 1 in 27 on a renewal every TTL/5) took the member past its stop deadline: it
 * fenced itself with quorum intact. Here one renewal tries the last good endpoint first and, when it errors or has not
 * answered within the hedge delay, the next one, until one answers (a renewal that waits on a member whose raft leader
 * died resolves as soon as a new leader is elected, on whichever endpoint that is).
 */
export class LeaseGoneError extends Error {
  constructor(id: string) {
    super(`the lease ${id} expired or was revoked in etcd (lease not found)`);
    this.name = 'EtcdLeaseInvalidError';
  }
}

export interface RenewTarget {
  endpoint: string;
  client: Etcd3;
}

export class LeaseRenewer {
  private preferred = 0;

  constructor(
    private readonly targets: RenewTarget[],
    private readonly clock: Clock,
    /** How long one endpoint may stay silent before the next one is asked too. */
    private readonly hedgeMs: number,
  ) {
    if (targets.length === 0) throw new Error('LeaseRenewer: expected at least one etcd endpoint');
  }

  /** The endpoint the last confirmed renewal went through (where this member's lease "lives" from its side). */
  get endpoint(): string {
    return this.targets[this.preferred]!.endpoint;
  }

  /**
   * One keep-alive; resolves when any endpoint confirms, rejects with LeaseGoneError, the last endpoint's error, or
   * a timeout after `timeoutMs` (every stream it opened is cancelled when it settles).
   */
  renew(leaseId: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const order = this.targets.map((_, i) => (this.preferred + i) % this.targets.length);
    const open: Array<() => void> & { closed?: boolean } = [];
    const timers: Array<{ cancel(): void }> = [];
    return new Promise<void>((resolve, reject) => {
      let next = 0;
      let failed = 0;
      let done = false;
      const finish = (err?: Error, winner?: number): void => {
        if (done) return;
        done = true;
        signal?.removeEventListener('abort', onAbort);
        for (const t of timers) t.cancel();
        open.closed = true;
        for (const close of open) close();
        if (err) reject(err);
        else {
          if (winner !== undefined) this.preferred = winner;
          resolve();
        }
      };
      const launch = (): void => {
        if (done || next >= order.length) return;
        const idx = order[next++]!;
        timers.push(this.clock.setTimeout(launch, this.hedgeMs));
        this.once(idx, leaseId, open).then(
          () => finish(undefined, idx),
          (err: Error) => {
            if (err instanceof LeaseGoneError) return finish(err);
            if (++failed === order.length) return finish(err);
            launch();
          },
        );
      };
      const onAbort = (): void => finish(new Error('renewal aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });
      timers.push(this.clock.setTimeout(() => finish(new Error(`etcd did not confirm the renewal within ${timeoutMs} ms (asked ${next} of ${order.length} endpoints)`)), timeoutMs));
      launch();
    });
  }

  private async once(idx: number, leaseId: string, open: Array<() => void> & { closed?: boolean }): Promise<void> {
    const stream = await this.targets[idx]!.client.leaseClient.leaseKeepAlive();
    const close = (): void => {
      try {
        stream.cancel();
      } catch {
        // already ended
      }
    };
    // The renewal may have been settled while this stream was being opened: no stream is left behind.
    if (open.closed) {
      close();
      throw new Error('renewal already settled');
    }
    open.push(close);
    const res = await new Promise<{ TTL: string }>((resolve, reject) => {
      stream.on('data', resolve);
      stream.on('error', reject);
      stream.write({ ID: leaseId });
    });
    if (res.TTL === '0') throw new LeaseGoneError(leaseId);
  }

  close(): void {
    for (const t of this.targets) t.client.close();
  }
}
