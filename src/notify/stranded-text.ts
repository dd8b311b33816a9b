// The words for alerts kept and not sent, in one place: the daemon log and alert (dispatcher) and `clawback status`
// (dead-letter-notice) said it two ways. Imports nothing at run time: `status` loads it on its fast path.
import type { StrandedWhy } from './stranded.js';

/** One wording for alerts kept for a channel that cannot send them: the daemon log, the alert, `clawback status` and its API answers. */
export function strandedText(channel: string, n: number, why: StrandedWhy): string {
  const drop = `\`clawback notify discard ${channel}\` drops them`;
  switch (why) {
    case 'disabled':
      return `${n} alert(s) are kept for the channel "${channel}", which is disabled: they are not sent to any other channel; enable it to deliver them, or ${drop}`;
    case 'removed':
      return `${n} alert(s) are kept for the channel "${channel}", which is not configured (renamed or removed): they are not sent to any other channel; name a channel "${channel}" again to deliver them, or ${drop}`;
    case 'moved':
      return (
        `${n} alert(s) queued for the channel "${channel}" are kept: "${channel}" now sends to another destination than the one they were queued for ` +
        `(its URL or chat changed, or another channel took its name when one was removed); they are not sent there or to any other channel; ` +
        `point "${channel}" at their destination again to deliver them, \`clawback notify release ${channel}\` sends them where it sends now (the same people at a new URL), or ${drop}`
      );
    case 'unknown-destination':
      return (
        `${n} alert(s) queued for the channel "${channel}" before this version recorded each alert's destination are kept: "${channel}" is a name given ` +
        `by position (another channel takes it when one above it is removed), so they are not sent, lest they reach other people; \`clawback notify release ${channel}\` sends them there, or ${drop}`
      );
  }
}
