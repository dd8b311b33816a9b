// Plugs a cluster into the daemon: placement facts to each singleton's reducer, the fence guards, routes, metrics.
import os from 'node:os';
import type { ClawbackConfig, ServiceConfig } from '../config/schema.js';
import type { Clock } from '../platform/clock.js';
import type { ClawbackEvent } from '../observe/events.js';
import type { DaemonPlugin } from '../daemon/daemon.js';
import type { RuntimeDeps, ServiceRuntime } from '../daemon/service-runtime.js';
import type { ClusterConfig } from './cluster-schema.js';
import { callTimeoutMs, connectEtcdClients } from './etcd-connect.js';
import { askEndpoints } from './endpoint-identity.js';
import { LeaseRenewer } from './lease-renewer.js';
import { leaseTiming } from './lease-timing.js';
import { ClusterNode } from './cluster-node.js';
import { fenceFile, spawnFenceGuard, writeFenceDeadline } from './fence-file.js';
import { renderClusterMetrics } from './cluster-metrics.js';
import { configFollower, type ConfigFollower } from './config-follow.js';
import { fileLeaseStore, leaseFile } from './lease-file.js';

export interface ClusterWiring {
  plugin: DaemonPlugin;
  /** What a singleton service's runtime needs: its fence guard and the way to give its lease up. */
  runtimeDeps(service: ServiceConfig): Pick<RuntimeDeps, 'fenceGuard' | 'releasePlacement'>;
}

export async function createCluster(opts: { config: ClawbackConfig; cluster: ClusterConfig; stateDir: string; clock: Clock; emit(e: ClawbackEvent): void }): Promise<ClusterWiring> {
  const { config, cluster, stateDir, clock } = opts;
  const { client, perEndpoint } = await connectEtcdClients(cluster);
  let apiAddress: string | null = null;
  // An endpoint silent for half a renewal period is as good as dead for this renewal: ask the next one too.
  const renewer = new LeaseRenewer(perEndpoint, clock, Math.max(100, Math.round(leaseTiming(cluster.leaseTtl, 0).renewEveryMs / 2)));
  const identify = (endpoints: string[]) => askEndpoints(perEndpoint.filter((t) => endpoints.includes(t.endpoint)), callTimeoutMs(cluster.leaseTtl), clock);
  const node = new ClusterNode(client, cluster, clock, (e) => opts.emit(e), () => ({ api: apiAddress, host: os.hostname(), stateDir }), renewer, fileLeaseStore(leaseFile(stateDir)), identify);
  const singletons = config.services.filter((s) => s.placement === 'singleton');

  const plugin: DaemonPlugin = {
    name: 'cluster',
    async init(ctx, daemon) {
      /** A singleton's runtime (at start, or new after a reload): it stands by until this member's seat says active. */
      const place = (service: ServiceConfig, rt: ServiceRuntime): void => {
        if (service.placement !== 'singleton') {
          // A reload made it `everywhere` (or it never was a singleton): no election, no lease key held for it.
          if (node.hasSeat(service.name)) {
            followers.get(service.name)?.stop();
            followers.delete(service.name);
            void node.retireSeat(service.name);
            ctx.emit({ type: 'cluster.standby', time: clock.now(), severity: 'warning', service: service.name, message: `${service.name}: placement is now everywhere (reload): this member no longer takes part in its election and runs its own instance`, details: { placement: 'everywhere' } });
          }
          return;
        }
        const current = (): ServiceRuntime | undefined => daemon.runtimes.get(service.name) as ServiceRuntime | undefined;
        // Before boot: a singleton stands by; a seat that holds the lease says active again at the next renewal (TTL/5).
        rt.dispatch({ type: 'placement', active: false, holder: null, reason: 'waiting for the election' });
        followers.get(service.name)?.stop();
        const follower = configFollower({ client, cluster, service, clock, emit: ctx.emit, bus: ctx.bus, stateDir });
        followers.set(service.name, follower);
        node.addSeat({
          name: service.name,
          stopGraceMs: service.stop.grace,
          mayCampaign: () => {
            const s = current()?.persisted();
            return !!s && s.desired === 'up' && !(s.held && s.held.reason !== 'repair') && !s.maintenance;
          },
          // Gone only when the reducer records no instance either: a daemon leaving its services running (SIGTERM under
          // systemd, SIGUSR2, an upgrade) releases its handle of a live instance, and revoking the lease then let another
          // member start the service next to it until the guard killed it (up to TTL - margin).
          instanceGone: () => {
            const rt = current();
            return !rt?.current() && !rt?.persisted().instance;
          },
          report: (fact) => current()?.dispatch({ type: 'placement', ...fact }),
          beforeWin: (signal) => follower.apply(signal),
          fence: (killBy) => writeFenceDeadline(fenceFile(stateDir, service.name), killBy, clock.now()),
        });
      };
      for (const service of singletons) {
        const rt = daemon.runtimes.get(service.name) as ServiceRuntime;
        runtimes.set(service.name, () => daemon.runtimes.get(service.name) as ServiceRuntime | undefined);
        place(service, rt);
      }
      // Reloads: a service changed to singleton joins the election, one changed to everywhere leaves it.
      daemon.onRuntimeAdded = (service, rt) => {
        runtimes.set(service.name, () => daemon.runtimes.get(service.name) as ServiceRuntime | undefined);
        place(service, rt as ServiceRuntime);
      };
      // A singleton removed from the config: its seat is retired, so the lease key is freed and no member waits on it.
      daemon.onRuntimeRemoved = (name) => {
        runtimes.delete(name);
        if (!node.hasSeat(name)) return;
        followers.get(name)?.stop();
        followers.delete(name);
        void node.retireSeat(name);
        ctx.emit({ type: 'cluster.standby', time: clock.now(), severity: 'warning', service: name, message: `${name}: removed from the config (reload): this member leaves its election and frees its seat`, details: { placement: 'removed' } });
      };
      // Before the services boot: a singleton whose instance the previous daemon left running stays on this member's
      // lease, and the instance is adopted instead of stopped to wait that lease out.
      await node.takeOverLease();
      node.start();
      return {
        status: () => ({
          cluster: {
            member: cluster.member,
            etcdError: node.etcdProblem(),
            services: node.localFigures().map((f) => ({ service: f.service, self: f.leading })),
            // A config from etcd this member did not take (a malformed /config/<service> value...): only in the journal, nobody saw it.
            followSkipped: [...followers].flatMap(([service, f]) => {
              const sk = f.skipped();
              return sk ? [{ service, ...sk }] : [];
            }),
          },
        }),
        metrics: async () => {
          // Local figures only: asking etcd here made each scrape wait out its call timeout (up to 60 s) while etcd hung.
          return renderClusterMetrics({ member: cluster.member, leaseAgeMs: node.leaseAgeMs(), services: node.localFigures() });
        },
        extra: async (p) => {
          if (p !== '/api/cluster') return undefined;
          if (daemon.api) apiAddress = `${daemon.api.host}:${daemon.api.port}`;
          return node.status();
        },
        post: async (p, q) => {
          if (p !== '/api/cluster/move') return undefined;
          const service = q.get('service') ?? '';
          const to = q.get('to') ?? '';
          // Named by field: `cluster move gw --to ''` answered only "expected ?service=NAME&to=MEMBER".
          const missing = Object.entries({ service, to }).find(([, v]) => !v)?.[0];
          if (missing) return { status: 400, body: { ok: false, message: `${missing}: ${q.has(missing) ? 'empty' : 'missing'}, expected ?service=NAME&to=MEMBER (a non-empty ${missing === 'to' ? 'member' : 'service'} name)` } };
          try {
            const r = await node.move(service, to);
            return { status: r.status, body: { ok: r.status < 300, message: r.message } };
          } catch (err) {
            return { status: 503, body: { ok: false, message: `etcd could not be reached: ${(err as Error).message}` } };
          }
        },
        stop: async () => {
          daemon.onRuntimeAdded = undefined;
          daemon.onRuntimeRemoved = undefined;
          for (const f of followers.values()) f.stop();
          await node.stop();
        },
      };
    },
  };
  const followers = new Map<string, ConfigFollower>();
  const runtimes = new Map<string, () => ServiceRuntime | undefined>();
  return {
    plugin,
    runtimeDeps: (service) =>
      service.placement === 'singleton'
        ? {
            fenceGuard: (pid) => spawnFenceGuard(fenceFile(stateDir, service.name), pid),
            releasePlacement: (reason) => {
              const inc = runtimes.get(service.name)?.()?.currentIncident();
              node.release(service.name, reason, inc ? { id: inc.id, reason: inc.reason, level: inc.highestLevel, openedAt: inc.openedAt } : null);
            },
          }
        : {},
  };
}
