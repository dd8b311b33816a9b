// Bounds the answers one connection may have waiting (HTTP pipelining): the connection cap bounds sockets, not what
// each socket makes the daemon build.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Returns `admit(req, res)`: false, with the connection dropped, once more than `max` requests of one connection wait
 * for their answer to be written out. Node parses every request a client pipelines in one packet at once and answers
 * each in turn, whether or not the client reads: 60 local sockets sending 2000 `GET /api/status` each without reading
 * held 300 MB and kept the probes 4 s late. Browsers, curl and fetch send one request per connection at a time.
 */
export function pipelineCap(max: number): (req: IncomingMessage, res: ServerResponse) => boolean {
  const waiting = new WeakMap<Socket, number>();
  return (req, res) => {
    const socket = req.socket;
    // The rest of a packet whose connection was dropped below still arrives as requests: none is answered.
    if (socket.destroyed) return false;
    const n = (waiting.get(socket) ?? 0) + 1;
    if (n > max) {
      socket.destroy();
      return false;
    }
    waiting.set(socket, n);
    let done = false;
    const settle = (): void => {
      if (done) return;
      done = true;
      waiting.set(socket, (waiting.get(socket) ?? 1) - 1);
    };
    res.once('finish', settle);
    res.once('close', settle);
    return true;
  };
}
