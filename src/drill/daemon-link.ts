// The drill's line to the running daemon: re-reads daemon.json on every call, so a revived daemon is found again.
import { connect, REQUEST_TIMEOUT_MS } from '../cli/client.js';
import type { ServiceStatus } from '../daemon/service-runtime.js';
import { readDaemonInfo, type DaemonInfo } from '../daemon/daemon-info.js';
import { urlHost } from '../platform/url-host.js';

export interface DaemonStatusJson {
  daemon: {
    pid: number;
    version: string;
    startedAt: number;
    configFile: string | null;
    /** What the config file parsed to when the daemon last loaded it (config-digest.ts); absent from an older daemon. */
    configDigest?: string | null;
    /** The last reload was refused: the daemon still runs the config before it. */
    reloadFailed?: { at: number; by: string; message: string } | null;
    stateDir: string;
    api: { host: string; port: number } | null;
  };
  services: ServiceStatus[];
}

export interface UpdateRunning {
  runId: string | null;
  to: string | null;
  startedAt: number | null;
}

export type ServiceAction = 'start' | 'stop' | 'restart' | 'resume';

export class DaemonLink {
  constructor(readonly stateDir: string) {}

  async info(): Promise<DaemonInfo | null> {
    return (await readDaemonInfo(this.stateDir)).info;
  }

  status(): Promise<DaemonStatusJson> {
    return connect({ stateDir: this.stateDir }).then((c) => c.get<DaemonStatusJson>('/api/status'));
  }

  /** The status, or undefined while the daemon is down or not answering. */
  async tryStatus(): Promise<DaemonStatusJson | undefined> {
    try {
      return await this.status();
    } catch {
      return undefined;
    }
  }

  /**
   * The `clawback update` run the daemon has in flight for the service (GET /api/update/NAME), or undefined: none, no
   * update plugin, or no answer. It is not in the service's status, yet it stops, starts and watches the service.
   */
  async updateRun(name: string): Promise<UpdateRunning | undefined> {
    try {
      const c = await connect({ stateDir: this.stateDir });
      const v = await c.get<{ running?: unknown; runId?: unknown; to?: unknown; startedAt?: unknown } | null>(`/api/update/${encodeURIComponent(name)}`);
      if (!v || v.running !== true) return undefined;
      return { runId: typeof v.runId === 'string' ? v.runId : null, to: typeof v.to === 'string' ? v.to : null, startedAt: typeof v.startedAt === 'number' ? v.startedAt : null };
    } catch {
      return undefined;
    }
  }

  async service(name: string): Promise<ServiceStatus | undefined> {
    return (await this.tryStatus())?.services.find((s) => s.name === name);
  }

  /**
   * Asks for an action. The daemon answers once the action is done, and a resume or restart of a service with a
   * slow preflight (OpenClaw's validator: 4-60 s) outlasts the client's 15 s: that request did reach the daemon,
   * so a timeout is reported as status 0 and the drill goes on watching the service (its own bounded waits judge it).
   */
  async action(name: string, action: ServiceAction): Promise<{ status: number; message: string }> {
    const c = await connect({ stateDir: this.stateDir });
    try {
      const r = await c.post<{ message?: string; error?: string }>(`/api/services/${encodeURIComponent(name)}/${action}`);
      return { status: r.status, message: r.body.message ?? r.body.error ?? `HTTP ${r.status}` };
    } catch (err) {
      // Only a live daemon with a fresh heartbeat got the full timeout; a stale one (hung) is an error as before.
      const m = (err as Error).message;
      if (m.includes(`no answer within ${REQUEST_TIMEOUT_MS} ms`) && !m.includes('heartbeat')) return { status: 0, message: `${action} sent; ${m}` };
      throw err;
    }
  }

  /** The Prometheus exposition, or undefined when the daemon has none or does not answer. */
  async metrics(): Promise<string | undefined> {
    try {
      const c = await connect({ stateDir: this.stateDir });
      const res = await fetch(`http://${urlHost(c.info.api.host)}:${c.info.api.port}/metrics`, { signal: AbortSignal.timeout(5000) });
      return res.ok ? await res.text() : undefined;
    } catch {
      // Down, or no metrics plugin: the drill reports no delivery count.
      return undefined;
    }
  }
}
