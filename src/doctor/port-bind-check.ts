// Is a TCP port free for the service? Asked the only reliable way: try to bind it, then let go.
import net from 'node:net';

export type PortState = 'free' | 'in-use' | 'denied';

export interface PortCheck {
  state: PortState;
  /** The address that refused the bind. */
  host?: string;
  error?: string;
  /**
   * The bind the service does not necessarily make refused: its addresses were not known and only the wildcard
   * (which also conflicts with a listener on ::1 or another address alone) failed. Not a reason to hold the service.
   */
  uncertain?: true;
}

/**
 * Binds each of the service's own addresses (`hosts`) on port. Without them: 127.0.0.1, then the wildcard
 * (:: dual-stack, or 0.0.0.0 without IPv6), and a refusal of the wildcard alone is marked uncertain.
 */
export async function checkPortFree(port: number, hosts?: readonly string[]): Promise<PortCheck> {
  if (hosts !== undefined && hosts.length > 0) {
    for (const host of hosts) {
      const r = await tryBind(port, host);
      if (r.state !== 'free') return verdict(r);
    }
    return { state: 'free' };
  }
  const loop = await tryBind(port, '127.0.0.1');
  if (loop.state !== 'free') return verdict(loop);
  const any6 = await tryBind(port, '::');
  const any = any6.unsupported ? await tryBind(port, '0.0.0.0') : any6;
  return any.state === 'free' ? { state: 'free' } : { ...verdict(any), uncertain: true };
}

function verdict(r: BindResult): PortCheck {
  if (r.state === 'free') return { state: 'free' };
  const out: PortCheck = { state: r.state, host: r.host };
  if (r.error !== undefined) out.error = r.error;
  return out;
}

/** Convenience for callers that only need a yes/no. */
export async function portInUse(port: number, hosts?: readonly string[]): Promise<boolean> {
  return (await checkPortFree(port, hosts)).state === 'in-use';
}

type BindResult = PortCheck & { host: string; unsupported?: boolean };

function tryBind(port: number, host: string): Promise<BindResult> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (err: NodeJS.ErrnoException) => {
      server.close();
      if (err.code === 'EADDRINUSE') resolve({ state: 'in-use', host, error: err.message });
      else if (err.code === 'EACCES' || err.code === 'EPERM') resolve({ state: 'denied', host, error: err.message });
      // No IPv6 on this host (EAFNOSUPPORT, EADDRNOTAVAIL): not a verdict on the port; the caller tries IPv4.
      else resolve({ state: 'free', host, error: err.message, unsupported: true });
    });
    server.listen({ port, host, exclusive: true }, () => {
      server.close(() => resolve({ state: 'free', host }));
    });
  });
}
