// Pages first: which queued alert a channel sends next, so a page (or a critical alert) is not stuck behind a backlog of info alerts.
import type { ClawbackEvent } from '../observe/events.js';
import { mustKeep } from './flood-summary.js';

/**
 * What goes before the backlog: a page (a must-keep alert: a person must act, or the daemon itself is failing) or any
 * critical alert (a service down): a crash storm's 200 info alerts held a critical "stopped answering" of another
 * service 28 s behind them on a rate-limited channel.
 */
export function jumpsQueue(e: ClawbackEvent): boolean {
  return e.severity === 'critical' || mustKeep(e);
}

/**
 * Index of the alert to send next (the queue is in spool order). The oldest urgent alert (jumpsQueue) goes before
 * everything queued ahead of it, except what it follows on: an earlier
 * alert of the same incident (or, without one, of the same service) goes first, so a live message or a reply never
 * precedes the message it belongs to. Everything else keeps its order. One pass, no allocation: queues can be long.
 */
export function nextToSend<T>(queue: readonly T[], eventOf: (item: T) => ClawbackEvent): number {
  let page = -1;
  for (let i = 0; i < queue.length; i++) {
    if (jumpsQueue(eventOf(queue[i]!))) {
      page = i;
      break;
    }
  }
  if (page <= 0) return 0;
  const p = eventOf(queue[page]!);
  for (let i = 0; i < page; i++) if (relatedTo(eventOf(queue[i]!), p)) return i;
  return page;
}

function relatedTo(e: ClawbackEvent, page: ClawbackEvent): boolean {
  if (page.incidentId !== undefined && e.incidentId === page.incidentId) return true;
  return page.service !== undefined && e.service === page.service;
}
