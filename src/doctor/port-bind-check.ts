// Is a TCP port free for the service? Asked the only reliable way: try to bind it, then let go.
import net from 'node:net';

export type PortState = 'free' | 'in-use' | 'denied';

export interface PortCheck {
  state: PortState;
  /** The address that refused the bind. */
  host?: string;
  error?: string;
}

/** Tries 127.0.0.1:port, then the wildcard (:: dual-stack, or 0.0.0.0 without IPv6). */
export async function checkPortFree(port: number): Promise<PortCheck> {
  const loop = await tryBind(port, '127.0.0.1');
  if (loop.state !== 'free') return verdict(loop);
  const any6 = await tryBind(port, '::');
  if (!any6.unsupported) return verdict(any6);
  return verdict(await tryBind(port, '0.0.0.0'));
}

function verdict(r: BindResult): PortCheck {
  if (r.state === 'free') return { state: 'free' };
  const out: PortCheck = { state: r.state, host: r.host };
  if (r.error !== undefined) out.error = r.error;
  return out;
}

/** Convenience for callers that only need a yes/no. */
export async function portInUse(port: number): Promise<boolean> {
  return (await checkPortFree(port)).state === 'in-use';
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
