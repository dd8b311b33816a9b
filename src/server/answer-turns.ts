// The API's read answers are made one at a time, each in a turn of the event loop of its own: redacting and
// serializing a long incident history takes a good part of a second, and a flood of such reads answered back to back
// in one turn kept every timer of the daemon (heartbeat, probes, restarts) waiting for a minute and more.

/** Returns `inTurn(make)`: runs `make` after the answers queued before it, each after a setImmediate (a new turn). */
export function answerTurns(): <T>(make: () => T) => Promise<T> {
  let last: Promise<unknown> = Promise.resolve();
  return <T>(make: () => T): Promise<T> => {
    const mine = last.then(() => new Promise<void>((resolve) => setImmediate(resolve))).then(make);
    last = mine.catch(() => undefined);
    return mine;
  };
}
