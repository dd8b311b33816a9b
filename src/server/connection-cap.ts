// Bounds the API's open connections without letting idle ones shut out the CLI and the dashboard.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * At most `max` connections at once. When one more arrives, the oldest connection with no request in flight (one
 * that has not sent its request head yet, or a kept-alive one between requests) is closed to make room; only when
 * every connection is busy is the newcomer closed. A local process holding `max` idle sockets therefore cannot lock
 * the CLI out (its socket sends a request at once and is the newest), while the descriptor bound still holds.
 */
export function capConnections(server: Server, max: number): void {
  /** Connections with no request in flight, oldest first (a Set keeps insertion order). */
  const idle = new Set<Socket>();
  let open = 0;
  server.on('connection', (socket: Socket) => {
    open++;
    socket.once('close', () => {
      open--;
      idle.delete(socket);
    });
    if (open > max) {
      const oldest = idle.values().next();
      if (oldest.done) {
        socket.destroy();
        return;
      }
      idle.delete(oldest.value);
      oldest.value.destroy();
    }
    idle.add(socket);
  });
  server.on('request', (req, res) => {
    const socket = req.socket;
    idle.delete(socket);
    res.once('finish', () => {
      if (!socket.destroyed) idle.add(socket);
    });
  });
}
