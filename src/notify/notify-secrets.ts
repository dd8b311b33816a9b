// The secrets in the notify section, for the Redactor: apart from the schema so the daemon never loads zod.
import type { NotifyConfig } from './notify-schema.js';
import { userInfoOf } from './http-send.js';
import { ntfyTopicUrl } from './ntfy.js';

/** Every secret in the section (webhook URLs, bot tokens, header values), for the Redactor. */
export function notifySecrets(config: NotifyConfig): string[] {
  const out = new Set<string>();
  const addUrl = (raw: string | undefined): void => {
    if (!raw) return;
    out.add(raw);
    try {
      const u = new URL(raw);
      out.add(`${u.origin}${u.pathname}`);
      // The path alone too: an endpoint's 404 body often echoes it ("no such hook /hooks/<secret>"), and a secret segment
      // shorter than 16 characters was then logged and sent on the other channels in the "undelivered" notice.
      if (u.pathname.length >= 12) out.add(u.pathname);
      for (const seg of u.pathname.split('/')) if (seg.length >= 16) out.add(seg);
      for (const [, v] of u.searchParams) if (v.length >= 8) out.add(v);
      // User info (sent as an Authorization: Basic header): the password, as written and decoded.
      if (u.password.length >= 8) {
        out.add(u.password);
        out.add(userInfoOf(u).password);
      }
    } catch {
      // Invalid URLs never pass the schema; nothing more to extract.
    }
  };
  for (const c of config.channels) {
    switch (c.type) {
      case 'discord':
      case 'slack':
        addUrl(c.url);
        break;
      case 'webhook':
        addUrl(c.url);
        for (const v of Object.values(c.headers)) {
          out.add(v);
          const bearer = /^\s*(?:Bearer|Basic|Token)\s+(.+)$/i.exec(v);
          if (bearer) out.add(bearer[1]!.trim());
        }
        break;
      case 'telegram':
        out.add(c.botToken);
        out.add(`bot${c.botToken}`);
        break;
      case 'ntfy':
        // Anyone who knows a topic on a public server reads (and sends) its alerts: the topic is the shared secret.
        // Echoed by the server ("topic X is reserved") it reached the journal, dead letters and the other channels.
        // A short one (`alerts`) is guessable anyway, and hiding it (or `/alerts`) would hide that word everywhere.
        out.add(`${c.server.replace(/\/+$/, '')}/${c.topic}`);
        out.add(ntfyTopicUrl(c.server, c.topic));
        // A server's query carries ntfy's `?auth=` token.
        for (const [, v] of new URL(c.server).searchParams) if (v.length >= 8) out.add(v);
        if (c.topic.length >= 12) out.add(c.topic);
        if (c.token) out.add(c.token);
        break;
    }
  }
  return [...out].filter((s) => s.length >= 4);
}
