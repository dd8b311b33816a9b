// kill -9 of the service -> first HTTP 200 from the new instance, polled every 10 ms.
import { msUntilNew200 } from '../lib/gateway.mjs';
import { settle } from './subject.mjs';

export async function crashTrial(subject, { log, boundMs = 30_000 }) {
  const h = await settle(subject, log);
  const t0 = performance.now();
  process.kill(h.pid, 'SIGKILL');
  const r = await msUntilNew200(subject.port, h.pid, t0, { boundMs, pollMs: 10 });
  return { ms: r.ms };
}
