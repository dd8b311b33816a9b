// The daemon's stdout and stderr may be files on the very disk that filled up (the guardian's logs/daemon.out.log,
// launchd's StandardOutPath): a refused write there loses a line; it must not become an uncaught exception that
// kills the daemon (exit 70, and the same crash at every restart while the disk stays full).
import type { EventEmitter } from 'node:events';

export interface GuardedStream {
  name: 'stdout' | 'stderr';
  stream: EventEmitter;
}

/** Listens for write errors on each stream and reports the first one of each; returns a function that stops listening. */
export function guardStdStreams(streams: GuardedStream[], onFirstError: (name: GuardedStream['name'], err: Error) => void): () => void {
  const offs = streams.map(({ name, stream }) => {
    let reported = false;
    const listener = (err: Error): void => {
      if (reported) return;
      reported = true;
      try {
        onFirstError(name, err);
      } catch {
        // Reporting is best effort: the disk may be the fault.
      }
    };
    stream.on('error', listener);
    return () => stream.off('error', listener);
  });
  return () => {
    for (const off of offs) off();
  };
}
