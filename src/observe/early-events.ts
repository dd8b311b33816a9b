// Events emitted while the daemon is still being built wait here, so every sink (notifier, metrics, log) sees them.
import type { ClawbackEvent, EventBus } from './events.js';

/** Bounded: a runaway emitter during start-up cannot grow memory without limit (the oldest are kept, the rest counted). */
const MAX_EARLY_EVENTS = 1000;

export interface EarlyEvents {
  /** Emits now once released; before that, holds the event. */
  emit(event: ClawbackEvent): void;
  /** Delivers what was held, in order, then passes every later event straight through. Idempotent. */
  release(): void;
}

export function earlyEvents(bus: EventBus): EarlyEvents {
  let held: ClawbackEvent[] | undefined = [];
  let overflow = 0;
  return {
    emit(event) {
      if (!held) return bus.emit(event);
      if (held.length < MAX_EARLY_EVENTS) held.push(event);
      else overflow++;
    },
    release() {
      if (!held) return;
      const list = held;
      held = undefined;
      for (const e of list) bus.emit(e);
      if (overflow > 0) {
        bus.emit({ type: 'daemon.history-lost', time: list[list.length - 1]!.time, severity: 'warning', message: `${overflow} event(s) emitted during start-up were not kept (more than ${MAX_EARLY_EVENTS})`, details: { overflow } });
      }
    },
  };
}
