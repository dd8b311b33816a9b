// POST /fault/hang (event loop blocked forever) -> first HTTP 200 from a new instance, within a bound.
import { fault, msUntilNew200 } from '../lib/gateway.mjs';
import { killIfAlive, settle } from './subject.mjs';

export async function hangTrial(subject, { log, boundMs }) {
  const h = await settle(subject, log);
  await fault(subject.port, 'hang');
  const t0 = performance.now();
  const r = await msUntilNew200(subject.port, h.pid, t0, { boundMs, pollMs: 10 });
  // A supervisor that never noticed leaves a spinning process: end it so the next trial starts clean.
  if (r.ms === null) killIfAlive(h.pid);
  return { ms: r.ms };
}
