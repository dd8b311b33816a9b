// Flipping a fault switch of a demo program (POST on loopback): the leak of the demo gateway, the outage of its demo dependency.
import http from 'node:http';

/** POST url without keep-alive; resolves with the status, or 0 on any error or timeout. */
export function postSwitch(url: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request(url, { method: 'POST', agent: false, headers: { connection: 'close' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.setTimeout(timeoutMs, () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}
