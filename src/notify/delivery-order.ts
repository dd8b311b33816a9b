// Pages first: which queued alert a channel sends next, so a page is not stuck behind a backlog of info alerts.
import type { ClawbackEvent } from '../observe/events.js';
import { mustKeep } from './flood-summary.js';

/**
 * Index of the alert to send next (the queue is in spool order). The oldest page (a must-keep alert: a person must act,
 * or the daemon itself is failing) goes before everything queued ahead of it, except what it follows on: an earlier
 * alert of the same incident (or, without one, of the same service) goes first, so a live message or a reply never
 * precedes the message it belongs to. Everything else keeps its order. One pass, no allocation: queues can be long.
 */
export function nextToSend<T>(queue: readonly T[], eventOf: (item: T) => ClawbackEvent): number {
  let page = -1;
  for (let i = 0; i < queue.length; i++) {
    if (mustKeep(eventOf(queue[i]!))) {
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
