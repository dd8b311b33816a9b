// `clawback notify release` said "N kept alert(s) released" while, in incident mode, the steps of one incident go as one
// live message (edited, or only its timeline): what the released alerts become, told before the worker sends them.
import type { OutboxEntry } from './outbox.js';
import { belongsTo, planEvent, type ThreadBook } from './incident-thread.js';

/** How many of the released alerts go as new posts, as edits of a live message, or only as a step of a timeline. */
export interface ReleaseShape {
  alerts: number;
  posts: number;
  edits: number;
  folded: number;
}

/**
 * Plays the channel's queue (in delivery order) through the same plan the worker uses, from the channel's live book,
 * counting only the released entries. An edit the next queued step of the same incident overwrites is skipped, as the
 * worker skips it.
 */
export function releaseShape(
  book: ThreadBook,
  queue: ReadonlyArray<{ entry: OutboxEntry; released: boolean }>,
  channel: { mode: 'incident' | 'every-event'; canEdit: boolean },
): ReleaseShape {
  const shape: ReleaseShape = { alerts: 0, posts: 0, edits: 0, folded: 0 };
  let b = book;
  queue.forEach(({ entry, released }, i) => {
    if (released) shape.alerts++;
    if (channel.mode !== 'incident') {
      if (released) shape.posts++;
      return;
    }
    const d = planEvent(b, entry.event, { canEdit: channel.canEdit, kind: entry.kind === 'reminder' ? 'reminder' : 'event' });
    b = d.book;
    if (!released) return;
    const live = d.thread;
    const superseded = d.plan.send === 'edit' && live !== undefined && queue.slice(i + 1).some((q) => q.entry.kind === 'event' && belongsTo(q.entry.event, live));
    if (d.plan.send === 'none' || superseded) shape.folded++;
    else if (d.plan.send === 'edit') shape.edits++;
    else shape.posts++;
  });
  return shape;
}

/** The CLI's words for it: posts against alerts, and why fewer posts than alerts. */
export function releaseShapeText(s: ReleaseShape): string {
  const parts = [`${s.posts} new post(s)`];
  if (s.edits > 0) parts.push(`${s.edits} edit(s) of a live incident message`);
  if (s.folded > 0) parts.push(`${s.folded} step(s) only added to an incident's timeline, not posted on their own (mode: incident; mode: every-event posts each alert)`);
  return `they go as ${parts.join(', ')}`;
}
