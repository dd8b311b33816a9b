// One SSE subscriber of GET /api/events, bounded: a heartbeat so both ends notice a dead stream, and a cap on the bytes
// the daemon holds for a client that stopped reading (a frozen tab, a paused process) so it cannot grow without end.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Bytes queued for one subscriber beyond which it is disconnected (the dashboard reconnects and reloads its backlog). */
export const SSE_MAX_BUFFERED_BYTES = 1024 * 1024;
/** A comment line every this often: the dashboard treats a silent stream as dropped after a few missed beats. */
export const SSE_HEARTBEAT_MS = 15_000;

export interface EventStreamOptions {
  maxBufferedBytes?: number;
  heartbeatMs?: number;
  /** Told once when a subscriber is dropped for not reading (the daemon logs it: a silent drop left no trace). */
  onDropped?: (info: { bufferedBytes: number; maxBufferedBytes: number; remote: string }) => void;
}

/**
 * Starts the stream on `res` and returns `send(frame)`. The subscriber is dropped (socket destroyed, `onClose` run once)
 * as soon as more than `maxBufferedBytes` wait in its buffer, instead of buffering every later event in the daemon.
 */
export function openEventStream(req: IncomingMessage, res: ServerResponse, onClose: () => void, opts: EventStreamOptions = {}): (frame: string) => void {
  const max = opts.maxBufferedBytes ?? SSE_MAX_BUFFERED_BYTES;
  let closed = false;
  const heartbeat = setInterval(() => write(': ping\n\n'), opts.heartbeatMs ?? SSE_HEARTBEAT_MS);
  heartbeat.unref();
  const close = (): void => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    onClose();
  };
  function write(frame: string): void {
    if (closed) return;
    if (res.writableLength > max) {
      // The client reads nothing: what it missed is in the journal (GET /api/events/recent) when it comes back.
      const bufferedBytes = res.writableLength;
      close();
      opts.onDropped?.({ bufferedBytes, maxBufferedBytes: max, remote: `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}` });
      res.destroy();
      return;
    }
    res.write(frame);
  }
  req.on('close', close);
  res.on('close', close);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
  res.write(': connected\n\n');
  return write;
}
