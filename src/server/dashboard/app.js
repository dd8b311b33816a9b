// Clawback dashboard: polls /api/status, follows /api/events (SSE), draws cards, sparklines and the incident timeline.
'use strict';
(() => {
  const TOKEN_KEY = 'clawback.token';
  /** The status poll while the event stream is down (or the status unanswered, or a button's request is out). */
  const POLL_MS = 2000;
  /**
   * The status poll while the event stream is live: every change of state comes as an event (which asks the status
   * itself), so this only refreshes the probe figures and catches a daemon that froze with its stream open. The 2 s
   * poll kept on under a live stream: 30 requests a minute per open page at rest.
   */
  const SAFETY_POLL_MS = 10000;
  /**
   * Status requests start at least this far apart: a crash loop's events each asked for one ~60 ms later (~80 a minute
   * per open page); a burst now gets one, and the state after it at most this long plus an answer later (1.5 s: ~40 a minute at most, the 2 s poll included).
   */
  const REFRESH_GAP_MS = 1500;
  /** A daemon that accepts but does not answer (frozen, its event loop blocked) is shown as unreachable after this. */
  const STATUS_TIMEOUT_MS = 5000;
  /**
   * A button's request gets no answer after this: the daemon is frozen, and the button was disabled ("restart…") for
   * good. Above what the daemon may take to answer a stop or a restart (its stop grace, then 15 s to settle).
   */
  const ACTION_TIMEOUT_MS = 45000;
  /** The server sends a heartbeat every 15 s (src/server/event-stream.ts): a stream silent this long is dead. */
  const STREAM_IDLE_MS = 40000;
  const HISTORY_MS = 5 * 60 * 1000;
  const MIN_SPAN_MS = 15 * 1000;
  const MAX_EVENTS = 200;
  /** Live events are drawn at most this often, a burst in one go (1000 at once made one DOM insert and removal each). */
  const EVENTS_DRAW_MS = 100;
  const INCIDENT_LIMIT = 20;
  /** The most the daemon lists (its limit's maximum, src/daemon/observe-wiring.ts). */
  const INCIDENT_MAX = 500;
  const LEVELS = ['keep-alive', 'watchdog', 'doctor', 'emergency', 'human'];
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const SPARK_H = 44;
  /** The least room between two restart marks (or two failed-check dots) of a sparkline: its marks are bounded by its width. */
  const MARK_GAP_PX = 4;

  const $ = (id) => document.getElementById(id);
  /** Control characters (C0 but tab and newline, DEL, C1) and bidi controls (U+061C, U+200E/F, U+202A-E, U+2066-9). */
  const HIDDEN = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
  /**
   * Text a service wrote (a log line, agent output) as it is held: each hidden character as a visible escape (\x1b,
   * \u202e), as the CLI's terminal-safe.ts does, so no bidi override ("Trojan Source") makes a line read otherwise.
   */
  function shown(text) {
    return String(text).replace(/\r\n/g, '\n').replace(HIDDEN, (c) => {
      const n = c.charCodeAt(0);
      return n < 0x100 ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
    });
  }
  /** Small DOM builder: text only through textContent, never innerHTML, and always shown(). */
  function el(tag, attrs, ...kids) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') node.className = v;
      else if (k === 'text') node.textContent = shown(v);
      else node.setAttribute(k, v === true ? '' : k === 'title' ? shown(v) : String(v));
    }
    for (const kid of kids) if (kid !== null && kid !== undefined) node.append(typeof kid === 'string' ? shown(kid) : kid);
    return node;
  }
  /** replaceChildren with every string through shown(), as el() does: a text put between elements is held text too. */
  function fill(node, ...kids) {
    node.replaceChildren(...kids.filter((k) => k !== null && k !== undefined).map((k) => (typeof k === 'string' ? shown(k) : k)));
  }
  // A poll writes only what changed: writing the same text or attribute again is still a DOM change (a layout, a
  // live region re-read), and with 100 services each poll rebuilt ~57 nodes a card whether or not anything changed.
  function setText(node, text) {
    const t = shown(text);
    if (node.textContent !== t) node.textContent = t;
  }
  function setProp(node, key, value) {
    if (node[key] !== value) node[key] = value;
  }
  function setData(node, key, value) {
    if (node.dataset[key] !== value) node.dataset[key] = value;
  }
  function setAttr(node, key, value) {
    if (node.getAttribute(key) !== value) node.setAttribute(key, value);
  }
  /** fill(), unless the node already shows exactly these kids (compared by their markup). */
  function fillChanged(node, ...kids) {
    const said = kids.filter((k) => k !== null && k !== undefined).map((k) => (typeof k === 'string' ? shown(k) : k.outerHTML)).join('\u0000');
    if (app.drawn.get(node) === said) return;
    app.drawn.set(node, said);
    fill(node, ...kids);
  }
  function svg(tag, attrs) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    return node;
  }

  // ---- formatting ----
  function fmtDuration(ms) {
    if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
    const s = Math.max(0, Math.floor(ms / 1000));
    if (s < 60) return `${s}s`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m}m ${s % 60}s`;
    const h = Math.floor(m / 60);
    if (h < 48) return `${h}h ${m % 60}m`;
    return `${Math.floor(h / 24)}d ${h % 24}h`;
  }
  /** Time to recover, printed as src/observe/time-to-recover.ts formatTtr does: 983 ms, 4.32 s, 14.3 s, 1m53s, 2h05m. */
  function fmtPrecise(ms) {
    if (!Number.isFinite(ms)) return '—';
    const v = Math.max(0, ms);
    if (v < 999.5) return `${Math.round(v)} ms`;
    if (v < 9995) return `${(v / 1000).toFixed(2)} s`;
    if (v < 59950) return `${(v / 1000).toFixed(1)} s`;
    const sec = Math.round(v / 1000);
    if (sec < 3600) return `${Math.floor(sec / 60)}m${String(sec % 60).padStart(2, '0')}s`;
    const min = Math.round(sec / 60);
    return `${Math.floor(min / 60)}h${String(min % 60).padStart(2, '0')}m`;
  }
  /** Sizes, printed as src/cli/format.ts humanBytes does (the CLI and alerts): 2 KiB, 244 MiB, 1.50 GiB. */
  function fmtBytes(n) {
    if (n === null || n === undefined || !Number.isFinite(n)) return '—';
    if (n < 1024) return `${n} B`;
    if (n < 1024 * 1024) return `${Math.round(n / 1024)} KiB`;
    if (n < 1024 ** 3) return `${Math.round(n / 1024 / 1024)} MiB`;
    return `${(n / 1024 ** 3).toFixed(2)} GiB`;
  }
  function fmtMs(n) {
    if (n === null || n === undefined || !Number.isFinite(n)) return '—';
    return n < 10 ? `${n.toFixed(1)} ms` : `${Math.round(n)} ms`;
  }
  // Made once: toLocaleTimeString with options sets up a new formatter on every call, 0.3 ms each, and a burst of
  // events re-drawn with the incident timelines made that most of a main-thread task of up to 800 ms (CPU slowed 4x).
  const TIME_FMT = new Intl.DateTimeFormat([], { hour12: false, hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const DAY_FMT = new Intl.DateTimeFormat([], { month: 'short', day: 'numeric' });
  function fmtTime(t) {
    return TIME_FMT.format(new Date(t));
  }
  /** The time, with the day when it is not today: a card's incident open since yesterday read as opened today. */
  function fmtWhen(t) {
    const d = new Date(t);
    const today = new Date().toDateString() === d.toDateString();
    return today ? fmtTime(t) : `${DAY_FMT.format(d)} ${fmtTime(t)}`;
  }
  /** " · flapping: recurrence 3 (series from inc-…)": an incident of a series of failures soon after each recovery (restart.flapping). */
  function flappingText(inc) {
    if (!inc.recurrence) return '';
    return ` · flapping: recurrence ${inc.recurrence}${inc.firstIncidentId ? ` (series from ${inc.firstIncidentId})` : ''}`;
  }
  function levelBadge(level, withName) {
    if (level === undefined || level === null) return null;
    const name = LEVELS[level] || '?';
    return el('span', { class: `lvl l${level}`, title: `level ${level}: ${name}`, text: withName ? `L${level} ${name}` : `L${level}` });
  }

  // ---- token: from the URL fragment (never sent to the server) into sessionStorage ----
  function readStored() {
    try { return sessionStorage.getItem(TOKEN_KEY) || ''; } catch { return ''; }
  }
  function store(token) {
    try {
      if (token) sessionStorage.setItem(TOKEN_KEY, token);
      else sessionStorage.removeItem(TOKEN_KEY);
    } catch { /* storage disabled: the token lives for this page only */ }
  }
  function tokenFromFragment() {
    const m = /(?:^#|&)token=([^&]*)/.exec(location.hash);
    if (!m) return '';
    history.replaceState(null, '', location.pathname + location.search);
    return decodeOr(m[1]);
  }
  /** A fragment part decoded, or as written when its escapes are malformed (%E0, a lone %). */
  function decodeOr(s) {
    try { return decodeURIComponent(s); } catch { return s; }
  }

  const app = {
    token: '',
    status: null,
    /** server clock minus local clock, from the last status. */
    skew: 0,
    fetchedAt: 0,
    /** The daemon's clock and the browser's at its last answer: what a stale page shows its times as of. */
    answeredAt: 0,
    answeredLocal: 0,
    /**
     * When (performance.now()) the page found the daemon not answering: the times it counted on since the last answer
     * hold there, as the page showed them (going back to that answer's made every uptime step back by up to 7 s).
     */
    staleAt: 0,
    /** When (performance.now()) the status shown was asked for. */
    statusAskedAt: 0,
    cards: new Map(),
    /** node -> what fillChanged last drew in it. */
    drawn: new WeakMap(),
    /** service -> {lat: [{t, v, bad}], mem: [{t, v}], restarts: [t], pid, latKey, memKey} */
    history: new Map(),
    /** The events shown, newest first: {e, key, seq, fresh, node}; `node` once drawn. */
    events: [],
    /** Events taken but not drawn yet (drawEvents), at most MAX_EVENTS of them. */
    pendingEvents: [],
    eventsTimer: 0,
    /** /api/cluster answered 404 (no cluster block): not asked again until a status shows a cluster. */
    clusterOff: false,
    eventSeq: 0,
    seen: new Set(),
    conn: 'connecting',
    statusOk: false,
    /** The last status answered 401: reachable, but the token is missing or no longer the daemon's. */
    refused: false,
    /** The daemon refused the token this page held (a 401, or a loopback read answered with x-clawback-token: refused). */
    tokenRefused: false,
    /**
     * The token was pasted here and no answer has taken it yet; once refused, `refusedPasted`: a mistyped or wrong token
     * read "the daemon's token changed", which sent the user looking for a change that never happened.
     */
    tokenUnproven: false,
    refusedPasted: false,
    streamOk: false,
    /** Why the daemon refused the event stream (its 503 when every stream is taken), shown instead of "dropped". */
    streamRefused: '',
    pollTimer: 0,
    refreshTimer: 0,
    /** When (performance.now()) the refresh scheduled by refreshTimer is due, and when the last status was asked for. */
    refreshDue: 0,
    lastAskedAt: -Infinity,
    incidentTimer: 0,
    inflight: false,
    again: false,
    openIncidents: new Set(),
    // Whole timelines fetched for incidents opened whose list entry carries only the newest events (/api/incidents/ID).
    fullTimelines: new Map(),
    /** How many incidents the history panel shows: INCIDENT_LIMIT, more once "Show more" was pressed. */
    incidentLimit: INCIDENT_LIMIT,
    /** How many incidents were shown when "Show more" was pressed: the first new one takes the focus (loadIncidents). */
    moreFrom: undefined,
    /**
     * The history's requests in the order asked, and the newest one drawn: an answer asked before the one shown, or for
     * another limit than the panel's now (a reload in flight when "Show more" was pressed), is not drawn over it.
     */
    incidentsAsked: 0,
    incidentsDrawn: 0,
    /** How many reloads were scheduled (scheduleIncidents): one scheduled while a load was in flight is not cancelled by it. */
    incidentsScheduled: 0,
  };
  /** Shown while the daemon does not answer: its last state, times included, which must not go on as if live. */
  const stale = () => !!app.status && !app.statusOk;
  /** The daemon's time as the page shows it: its clock now, or, while stale, the time of its last answer. */
  const serverNow = () => (stale() ? app.answeredAt + sinceFetch() : Date.now() + app.skew);
  const sinceFetch = () => Math.max(0, (stale() ? app.staleAt : performance.now()) - app.fetchedAt);

  function setToken(token) {
    app.token = token;
    app.tokenRefused = false;
    app.tokenUnproven = !!token;
    app.refusedPasted = false;
    store(token);
    renderToken();
    // Checked at once: a wrong token showed "control enabled" until the next poll.
    if (token) scheduleRefresh(0);
    for (const card of app.cards.values()) {
      card.f.msg.textContent = '';
      updateActions(card);
    }
  }
  /** The daemon no longer takes this token (it changed): dropped, and the page says control needs the new one. */
  function dropRefusedToken() {
    app.refusedPasted = app.tokenUnproven;
    app.token = '';
    app.tokenRefused = true;
    app.tokenUnproven = false;
    store('');
    renderToken();
    renderConn();
    // The cards' messages stay (unlike setToken): a click's "Refused (401)" is the why, and was wiped at once.
    for (const card of app.cards.values()) updateActions(card);
  }
  function renderToken() {
    const has = !!app.token;
    const stateEl = $('token-state');
    stateEl.textContent = has ? 'control enabled' : 'read-only';
    stateEl.classList.toggle('ok', has);
    stateEl.title = has ? 'Restart, stop, resume and doctor runs are allowed with this token' : app.tokenRefused ? (app.refusedPasted ? 'The daemon refused the token pasted: it is not its token' : 'The daemon refused the token this page had: its token changed') : `A token is needed to control services${app.status ? ` (${app.status.daemon.stateDir}/token)` : ''}`;
    // Unlock (or Enter in the field) hid the field and its button, Forget token hid itself: the focus fell to <body> and a
    // keyboard user tabbed from the top again. It goes to what took their place.
    const had = document.activeElement;
    $('token-input').hidden = has;
    $('token-use').hidden = has;
    $('token-forget').hidden = !has;
    if (had && had.hidden && $('token-form').contains(had)) (has ? $('token-forget') : $('token-input')).focus();
  }
  function authHeaders() {
    return app.token ? { authorization: `Bearer ${app.token}` } : {};
  }

  // ---- connection state ----
  function renderConn() {
    const live = app.statusOk && app.streamOk;
    const state = live ? 'live' : app.conn === 'connecting' && !app.status ? 'connecting' : 'reconnecting';
    const pill = $('conn');
    pill.dataset.state = state;
    pill.textContent = state;
    pill.title = live ? 'Live: the event stream, and the status on each event (every 10 s at least)' : app.refused ? 'The daemon refused the token (401)' : !app.statusOk ? 'The daemon does not answer; retrying' : app.streamRefused ? `The daemon refused the live event stream: ${shown(app.streamRefused)}; retrying` : 'The event stream dropped; reconnecting';
    document.body.toggleAttribute('data-stale', stale());
    const asOf = stale() ? `, as of ${fmtTime(app.answeredLocal)} (times held at ${fmtTime(app.answeredLocal + sinceFetch())})` : '';
    const banner = $('banner');
    const tokenFile = `${shown(app.status ? app.status.daemon.stateDir : 'its state directory')}/token`;
    // On loopback the status is answered without a token: live, but the token this page had is not the daemon's any more.
    banner.hidden = !app.status || (app.statusOk && !app.tokenRefused);
    const why = app.refusedPasted ? 'the token pasted is not its token (mistyped, or from another daemon?)' : 'its token changed';
    banner.textContent = app.refused
      ? `The Clawback daemon answers but refused the token (401): ${why}. Paste the current one from ${tokenFile} — showing the last known state${asOf}.`
      : app.statusOk
        ? `The Clawback daemon refused this page's token: ${why}. Control needs the current one, from ${tokenFile} (paste it above); the status shown is live, read-only.`
        : `Cannot reach the Clawback daemon — showing the last known state${asOf}, retrying…`;
  }

  // ---- status polling ----
  async function refresh() {
    if (app.inflight) { app.again = true; return; }
    app.inflight = true;
    const askedAt = performance.now();
    app.lastAskedAt = askedAt;
    // This request answers for every event taken so far: one scheduled for them is not asked again after it.
    clearTimeout(app.refreshTimer);
    app.refreshTimer = 0;
    try {
      const sent = app.token;
      const res = await fetch('/api/status', { cache: 'no-store', headers: authHeaders(), signal: AbortSignal.timeout(STATUS_TIMEOUT_MS) });
      // Off loopback the daemon shows nothing without the token: say so instead of "connecting" for good.
      if (res.status === 401 && !app.status) $('daemon-meta').textContent = app.token ? 'The daemon refused this token (401): paste the current one from its state directory.' : 'The daemon answers only with its API token here: open the URL it printed (…/#token=…) or paste the token.';
      // A daemon that answers 401 is reachable: its token changed (a new state dir, a token file replaced), and the
      // page said "Cannot reach the daemon" and "control enabled" for good. The refused token is dropped (as an action's 401 does).
      // On loopback the daemon answers a wrong token as none (200) but marks it refused: the same story.
      app.refused = res.status === 401;
      const refusedToken = app.refused || res.headers.get('x-clawback-token') === 'refused';
      // Only the token this request carried: one pasted while it was in flight is the next request's to judge.
      if (refusedToken && sent && app.token === sent) dropRefusedToken();
      else if (res.ok && sent && app.token === sent) app.tokenUnproven = false;
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const status = await res.json();
      // Back after a gap: the incident history (its "open for" frozen meanwhile) is fetched fresh too.
      if (stale()) scheduleIncidents(0);
      app.status = status;
      app.statusOk = true;
      app.conn = 'live';
      app.skew = (status.daemon.now ?? status.daemon.startedAt + status.daemon.uptimeMs) - Date.now();
      // Uptimes go on from the daemon's (monotonic) ones: startedAt is on the wall clock, which NTP may have stepped since.
      app.fetchedAt = performance.now();
      app.answeredAt = Date.now() + app.skew;
      app.answeredLocal = Date.now();
      app.statusAskedAt = askedAt;
      if (app.clusterOff && status.cluster) { app.clusterOff = false; loadCluster(); }
      render(status);
    } catch {
      if (app.statusOk || !app.staleAt) app.staleAt = performance.now();
      app.statusOk = false;
      // A status asked after a button's request and not answered: the daemon is not answering that one either.
      for (const card of app.cards.values()) if (card.pending && card.pending.at <= askedAt) { card.pending.frozen = true; card.pending.abort.abort(); }
    } finally {
      app.inflight = false;
      renderConn();
      tickTimes();
      clearTimeout(app.pollTimer);
      app.pollTimer = setTimeout(refresh, pollDelay());
      if (app.again) { app.again = false; scheduleRefresh(0); }
    }
  }
  /** The slow safety poll only while the stream is live, the status answers and no button's request waits on it. */
  function pollDelay() {
    let pending = false;
    for (const card of app.cards.values()) if (card.pending) pending = true;
    return app.streamOk && app.statusOk && !pending ? SAFETY_POLL_MS : POLL_MS;
  }
  /**
   * A status request in `ms`, but not sooner than REFRESH_GAP_MS after the last one asked; one already due by then
   * stands (a burst of events is one refresh, not one each, and a stream of them does not put it off for good).
   */
  function scheduleRefresh(ms) {
    const now = performance.now();
    const due = Math.max(now + ms, app.lastAskedAt + REFRESH_GAP_MS);
    if (app.refreshTimer && app.refreshDue <= due) return;
    clearTimeout(app.refreshTimer);
    app.refreshDue = due;
    app.refreshTimer = setTimeout(() => { app.refreshTimer = 0; refresh(); }, due - now);
  }

  /** Alerts the daemon could not deliver stay visible: "N alerts undelivered to CHANNEL". */
  function deadLetterNotice(notify) {
    const dead = Object.entries((notify && notify.deadLetters) || {}).filter(([, n]) => n > 0);
    // Alerts waiting for a channel that does not answer at all (not dead letters until outboxMaxAge).
    const away = Object.entries((notify && notify.unreachable) || {}).filter(([, u]) => u && u.pending > 0);
    // Alerts kept and never sent (their channel is disabled, gone, or now sends elsewhere): the page said nothing of them.
    const kept = Object.entries((notify && notify.stranded) || {}).filter(([, n]) => n > 0);
    // Alerts held by the endpoint's rate-limit wait (a 429, kept across restarts): pending with no reason given before.
    const limited = Object.entries((notify && notify.rateLimited) || {}).filter(([, r]) => r && r.pending > 0 && typeof r.until === 'number');
    // Alerts waiting for a channel whose tries fail now (a 5xx, a 429, no answer), before any of the above says so.
    const failing = Object.entries((notify && notify.failing) || {}).filter(([ch, f]) => f && f.pending > 0 && typeof f.since === 'number'
      && !dead.some(([d]) => d === ch) && !away.some(([a]) => a === ch) && !limited.some(([l]) => l === ch));
    const notices = [];
    if (dead.length > 0 || away.length > 0 || limited.length > 0 || failing.length > 0) {
      const text = [
        ...dead.map(([ch, n]) => `${n} alert${n === 1 ? '' : 's'} undelivered to ${ch}`),
        ...away.map(([ch, u]) => `${u.pending} alert${u.pending === 1 ? '' : 's'} waiting for ${ch} (unreachable: ${u.reason})`),
        ...limited.map(([ch, r]) => `${r.pending} alert${r.pending === 1 ? '' : 's'} waiting for ${ch} (rate-limited until ${new Date(r.until).toLocaleString()})`),
        ...failing.map(([ch, f]) => `${f.pending} alert${f.pending === 1 ? '' : 's'} waiting for ${ch} (failing since ${new Date(f.since).toLocaleString()}, ${f.tries} tr${f.tries === 1 ? 'y' : 'ies'}, last: ${f.last || 'no answer'})`),
      ].join(', ');
      notices.push(' · ', el('b', { class: 'dead-letters', 'data-field': 'dead-letters', title: 'kept and retried; `clawback notify flush` retries now, `clawback notify discard` drops them', text: `⚠ ${text}` }));
    }
    if (kept.length > 0) {
      const why = (notify && notify.strandedWhy) || {};
      const text = kept.map(([ch, n]) => `${n} alert${n === 1 ? '' : 's'} kept for ${ch}, not sent: ${STRANDED_WHY[why[ch]] || 'no configured, enabled channel of that name'}`).join(', ');
      notices.push(' · ', el('b', { class: 'dead-letters', 'data-field': 'stranded', title: 'never sent to another channel; `clawback notify discard CHANNEL` drops them', text: `⚠ ${text}` }));
    }
    // Alerts a full outbox folded into a summary or dropped (notify.overflowed): `clawback status` said so, the page did not.
    const over = Object.entries((notify && notify.overflowed) || {}).filter(([, o]) => o && (o.folded > 0 || o.dropped > 0));
    if (over.length > 0) {
      const text = over.map(([ch, o]) => `${o.folded + o.dropped} alert${o.folded + o.dropped === 1 ? '' : 's'} for ${ch} not kept on their own, its outbox full: ${o.folded} folded into a summary, ${o.dropped} dropped`).join(', ');
      notices.push(' · ', el('b', { class: 'dead-letters', 'data-field': 'overflowed', title: 'since the daemon started; notify.outboxLimit bounds each channel\'s outbox', text: `⚠ ${text}` }));
    }
    return notices;
  }
  /** Why alerts are kept for a channel (src/notify/stranded.ts StrandedWhy), in the page's words. */
  const STRANDED_WHY = {
    disabled: 'the channel is disabled',
    removed: 'no channel has that name any more',
    moved: 'the channel now sends to another destination than they were queued for',
    'unknown-destination': 'queued before their destination was recorded, under a name given by position',
  };

  function render(status) {
    const d = status.daemon;
    const meta = $('daemon-meta');
    fill(meta,
      el('b', { text: `v${d.version}` }), ' · daemon pid ', el('b', { text: String(d.pid) }),
      ' · up ', el('b', { 'data-field': 'daemon-uptime', text: fmtDuration(d.uptimeMs) }),
      d.api ? ` · ${d.api.host}:${d.api.port}` : '',
      ...deadLetterNotice(status.notify),
    );
    meta.title = shown(d.configFile ? `config: ${d.configFile}\nstate: ${d.stateDir}` : `state: ${d.stateDir}`);
    // The first start of the services (preflight, adoption) is still under way: `clawback status`'s DAEMON STARTING.
    const startingBox = $('daemon-starting');
    if (startingBox) {
      const busy = d.starting ? status.services.filter((s) => s.state === 'starting') : [];
      const steps = busy.filter((s) => s.preflight).map((s) => `${s.name}: preflight: ${s.preflight.step} (${(s.preflight.command || []).join(' ')}), ${fmtDuration(Math.max(0, serverNow() - s.preflight.since))} of ${fmtDuration(s.preflight.budgetMs)} budget`);
      startingBox.hidden = !d.starting;
      startingBox.textContent = !d.starting ? '' : shown(`Clawback is starting: first start of its services under way${busy.length > 0 ? ` (${busy.map((s) => s.name).join(', ')} starting)` : ''}; a service's start, stop, restart and maintenance wait only for its own start, a reload or scale for all of them${steps.length > 0 ? `. ${steps.join('; ')}` : ''}`);
    }
    // The daemon's own faults (full disk...): supervision continues, but a human should know.
    const degraded = $('daemon-degraded');
    const reasons = d.health === 'degraded' && Array.isArray(d.degraded) ? d.degraded : [];
    degraded.hidden = reasons.length === 0;
    degraded.textContent = reasons.length === 0 ? '' : shown(`Clawback is degraded (services are still supervised): ${reasons.map((r) => `${r.reason}: ${r.lastError} (${r.count}×, since ${fmtWhen(r.since)})${r.advice ? `; to fix: ${r.advice}` : ''}`).join('; ')}`);
    // A refused reload (a SIGHUP nobody watched): the daemon runs the config it had, and the file says otherwise.
    const reload = $('reload-failed');
    const rf = d.reloadFailed;
    reload.hidden = !rf;
    reload.textContent = !rf ? '' : shown(`The last config reload (by ${rf.by}, ${fmtWhen(rf.at)}) failed; the daemon runs the config it had before: ${rf.message}`);
    // The previous daemon ended without its shutdown (kill -9, out of memory): said for an hour after this one started.
    // An installed guardian that stopped running (its timer disabled, its cron line gone): the daemon has no watcher.
    const guard = $('guardian-overdue');
    const gv = d.guardian;
    if (guard) {
      guard.hidden = !(gv && gv.overdue);
      guard.textContent = !(gv && gv.overdue) ? '' : shown(`The guardian has not run since ${gv.last ? `${fmtWhen(gv.last.at)} (${gv.last.outcome})` : 'it was installed'}; it is installed to run every ${gv.intervalSec} s: check its timer, LaunchAgent or cron line`);
    }
    const died = $('previous-died');
    const pd = d.previousDied;
    died.hidden = !pd;
    died.textContent = !pd ? '' : shown(`Clawback restarted after its previous daemon died (${fmtWhen(pd.at)}): ${pd.message}`);
    // state.json could not be used at this daemon's start and was moved aside: restart counters and held incidents
    // started over. Said until `clawback acknowledge`, as `clawback status` says it.
    const lostBox = $('history-lost');
    const hl = d.historyLost;
    if (lostBox) {
      lostBox.hidden = !hl;
      lostBox.textContent = !hl ? '' : shown(`State history reset at this daemon's start (${fmtWhen(hl.at)}): ${hl.message} (clawback acknowledge clears this notice)`);
    }
    // The daemon stood still (SIGSTOP, a blocked loop) or the machine slept: why probes and restarts were late.
    const paused = $('daemon-paused');
    const lp = d.lastPause;
    if (paused) {
      paused.hidden = !lp;
      paused.textContent = !lp ? '' : shown(`${fmtWhen(lp.at)}: ${lp.message}`);
    }
    renderToken();
    renderSummary(status.services);
    const box = $('services');
    const names = new Set(status.services.map((s) => s.name));
    // A service a reload removed takes its sparkline history with it: kept, it grew with every reload, and a service
    // added again under the same name drew the old one's points and a restart at its first start.
    for (const [name, card] of app.cards) if (!names.has(name)) { card.root.remove(); app.cards.delete(name); }
    for (const name of app.history.keys()) if (!names.has(name)) app.history.delete(name);
    if (status.services.length === 0) {
      fill(box, el('p', { class: 'empty', text: 'No services configured.' }));
      applyFilter();
      return;
    }
    box.querySelector(':scope > .empty')?.remove();
    const cards = [];
    for (const s of status.services) {
      let card = app.cards.get(s.name);
      if (!card) {
        card = makeCard(s.name);
        app.cards.set(s.name, card);
        box.append(card.root);
      }
      record(s);
      updateCard(card, s, (status.scaled || []).find((g) => g.service === s.group));
      cards.push(card);
    }
    // In the status's order: a card made after the first draw (web:2 of a scale up) went to the end of the page, after
    // every other service, and a reload put it back among its instances. Only cards out of place are moved.
    let ref = box.firstElementChild;
    for (const card of cards) {
      if (card.root === ref) { ref = ref.nextElementSibling; continue; }
      box.insertBefore(card.root, ref);
    }
    // The sparklines last, every width read before any is drawn: a width read between DOM writes forces a layout, and
    // one per sparkline (200 per poll with 100 services) held the page's main thread for up to half a second a poll.
    // A card the filter hides is neither measured nor drawn (its history is still recorded): each hidden card's two
    // charts were redrawn every poll at a made-up 200 px. Showing it again (the filter, a summary link) redraws.
    applyFilter();
    const shownCards = cards.filter((card) => !card.root.hidden);
    const widths = shownCards.map((card) => [sparkWidth(card.f.latSvg), sparkWidth(card.f.memSvg)]);
    shownCards.forEach((card, i) => drawSparks(card, widths[i]));
  }

  /**
   * The filter box above the cards: with 100+ services a card was found only by scrolling (56,000 px on a phone) and
   * the live events and incident history sat below all of them. A card shows when every word typed is in its name,
   * state, health or what it waits for (held, failed, incident, maintenance).
   */
  function cardWords(s) {
    const held = s.state === 'held' || (s.incident && s.incident.status === 'waiting-human');
    return [s.name, s.state, s.pid === null ? 'no process' : s.health, held ? 'held' : '', s.keptDown ? 'failed kept down' : '', s.incident ? `incident L${s.incident.level}` : '', s.maintenance ? 'maintenance' : '', s.group || ''].join(' ').toLowerCase();
  }
  function applyFilter() {
    const words = $('filter').value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    let shownCount = 0;
    for (const card of app.cards.values()) {
      const text = card.last ? cardWords(card.last) : card.name.toLowerCase();
      const show = words.every((w) => text.includes(w));
      setProp(card.root, 'hidden', !show);
      if (show) shownCount++;
    }
    setProp($('filter-bar'), 'hidden', app.cards.size === 0);
    setText($('filter-count'), words.length === 0 ? '' : `showing ${shownCount} of ${app.cards.size}`);
  }

  /**
   * One line above the cards: what needs a person (held, at which level), what is restarting or unhealthy, and the
   * rest counted. With 20+ services a held one was only found by scrolling every card. Each part links to its cards.
   */
  function renderSummary(services) {
    const groups = new Map();
    const add = (key, label, cls, name) => {
      if (!groups.has(key)) groups.set(key, { label, cls, names: [] });
      groups.get(key).names.push(name);
    };
    for (const s of services) {
      const inc = s.incident;
      if (s.state === 'held' || (inc && inc.status === 'waiting-human')) add(`held${inc ? inc.level : ''}`, inc ? `held at Level ${inc.level}` : 'held', 'bad', s.name);
      // A crash its restart policy keeps down is over ("failed"), not an incident still being handled: only a person starts it.
      else if (s.keptDown) add('failed', 'failed, kept down', 'bad', s.name);
      else if (s.state === 'backoff' || s.state === 'starting' || s.state === 'stopping') add('restarting', 'restarting', 'warn', s.name);
      else if (s.state === 'running' && s.health === 'unhealthy') add('unhealthy', 'unhealthy', 'bad', s.name);
      else if (inc) add('incident', 'with an open incident', 'warn', s.name);
      else if (s.maintenance) add('maintenance', 'in maintenance', 'warn', s.name);
      else if (s.state === 'stopped') add('stopped', 'stopped', '', s.name);
      else add('ok', s.health === 'healthy' ? 'healthy' : 'running', 'ok', s.name);
    }
    const order = [...groups.keys()].sort((a, b) => rank(a) - rank(b));
    const box = $('summary');
    // Drawn only when it says something new: it is a live region, read out again on every change.
    const said = JSON.stringify([services.length, order.map((k) => [k, groups.get(k).names])]);
    if (box.dataset.said === said) return;
    box.dataset.said = said;
    const parts = [];
    for (const key of order) {
      const g = groups.get(key);
      if (parts.length) parts.push(' · ');
      const text = `${g.names.length} ${g.label}`;
      if (g.cls === 'ok' || g.cls === '') { parts.push(el('span', { class: `sum ${g.cls}`, 'data-sum': key, text })); continue; }
      const shownNames = g.names.slice(0, 5);
      parts.push(el('span', { class: `sum ${g.cls}`, 'data-sum': key, text: `${text} (` }));
      shownNames.forEach((n, i) => {
        if (i) parts.push(', ');
        parts.push(el('a', { href: `#card:${n}`, text: n }));
      });
      parts.push(g.names.length > shownNames.length ? `, +${g.names.length - shownNames.length} more)` : ')');
    }
    box.hidden = services.length === 0;
    fill(box, el('strong', { text: `${services.length} service${services.length === 1 ? '' : 's'}: ` }), ...parts);
  }
  /** Held first (the higher level first), then failed (kept down), restarting, unhealthy, open incidents, maintenance, stopped, the healthy. */
  function rank(key) {
    if (key.startsWith('held')) return -Number(key.slice(4) || 0);
    return ['failed', 'restarting', 'unhealthy', 'incident', 'maintenance', 'stopped', 'ok'].indexOf(key) + 1;
  }

  // ---- client-side history for the sparklines ----
  function healthProbe(s) {
    const withLatency = s.probes.filter((p) => p.kind !== 'memory' && p.lastResult && p.lastResult.latencyMs !== undefined);
    return withLatency.find((p) => p.kind === 'http') || withLatency.find((p) => p.action === 'restart') || withLatency[0];
  }
  function memoryValue(s) {
    // No process, no memory: the last reading of an instance that is gone is not the service's memory now.
    if (s.pid === null || s.pid === undefined) return null;
    const p = s.probes.find((x) => x.kind === 'memory' && x.lastResult && typeof x.lastResult.value === 'number');
    return p ? { at: p.lastCheckedAt, value: p.lastResult.value } : null;
  }
  function record(s) {
    let h = app.history.get(s.name);
    if (!h) { h = { lat: [], mem: [], restarts: [], pid: s.pid, latKey: null, memKey: null }; app.history.set(s.name, h); }
    const now = serverNow();
    if (s.pid !== h.pid) {
      if (h.pid !== null && h.pid !== undefined) h.restarts.push(s.startedAt || now);
      h.pid = s.pid;
    }
    const hp = healthProbe(s);
    if (hp && hp.lastCheckedAt !== h.latKey) {
      h.latKey = hp.lastCheckedAt;
      h.lat.push({ t: hp.lastCheckedAt || now, v: hp.lastResult.latencyMs, bad: hp.lastResult.status === 'failure' });
    }
    const mem = memoryValue(s);
    if (mem && mem.at !== h.memKey) {
      h.memKey = mem.at;
      h.mem.push({ t: mem.at || now, v: mem.value });
    }
    const cut = now - HISTORY_MS;
    for (const key of ['lat', 'mem']) while (h[key].length && h[key][0].t < cut) h[key].shift();
    while (h.restarts.length && h.restarts[0] < cut) h.restarts.shift();
  }

  /** A sparkline's rendered width: drawn in CSS pixels (viewBox = rendered size), so dots stay round at any card width. */
  function sparkWidth(svgEl) {
    return Math.max(40, Math.round(svgEl.getBoundingClientRect().width) || 200);
  }
  function drawSpark(svgEl, SPARK_W, points, restarts, opts) {
    const now = serverNow();
    setAttr(svgEl, 'viewBox', `0 0 ${SPARK_W} ${SPARK_H}`);
    if (points.length === 0) {
      if (app.drawn.get(svgEl) === `empty:${opts.empty}`) return;
      app.drawn.set(svgEl, `empty:${opts.empty}`);
      const t = svg('text', { x: 2, y: SPARK_H / 2 + 4, class: 'nodata' });
      t.textContent = opts.empty;
      svgEl.replaceChildren(t);
      return;
    }
    const first = points[0].t;
    const span = Math.min(HISTORY_MS, Math.max(MIN_SPAN_MS, now - first));
    const t0 = now - span;
    const vals = points.map((p) => p.v);
    let lo = opts.zero ? 0 : Math.min(...vals);
    let hi = Math.max(...vals);
    if (opts.zero) hi = hi * 1.15 || 1;
    else {
      // At least 20% of the value as range, so noise does not look like a leak.
      const range = Math.max(hi - lo, hi * 0.2, 1);
      const mid = (hi + lo) / 2;
      lo = mid - range * 0.6;
      hi = mid + range * 0.6;
    }
    const x = (t) => ((t - t0) / span) * SPARK_W;
    const y = (v) => SPARK_H - 2 - ((v - lo) / (hi - lo || 1)) * (SPARK_H - 4);
    const xy = points.map((p) => [x(p.t), y(p.v)]);
    const line = xy.map(([a, b], i) => `${i ? 'L' : 'M'}${a.toFixed(1)},${b.toFixed(1)}`).join('');
    const area = `${line}L${xy[xy.length - 1][0].toFixed(1)},${SPARK_H}L${xy[0][0].toFixed(1)},${SPARK_H}Z`;
    // The restart marks and dots, redrawn when they moved; the two paths kept and only their `d` changed.
    // One mark per MARK_GAP_PX at most: a crash loop drew a line per restart (and a failing probe a dot per check) for
    // the whole 5 minutes, the page's DOM growing with each; a dense run of them reads the same as a band of marks.
    const marks = [];
    let lastX = -Infinity;
    for (const r of restarts) {
      if (r < t0) continue;
      const rx = x(r);
      if (rx - lastX < MARK_GAP_PX) continue;
      lastX = rx;
      marks.push(['line', { x1: rx.toFixed(1), x2: rx.toFixed(1), y1: 0, y2: SPARK_H, class: 'restart' }]);
    }
    if (points.length === 1) marks.push(['circle', { cx: xy[0][0].toFixed(1), cy: xy[0][1].toFixed(1), r: 2, class: 'line' }]);
    lastX = -Infinity;
    points.forEach((p, i) => {
      if (!p.bad || xy[i][0] - lastX < MARK_GAP_PX) return;
      lastX = xy[i][0];
      marks.push(['circle', { cx: xy[i][0].toFixed(1), cy: xy[i][1].toFixed(1), r: 2.2, class: 'bad' }]);
    });
    const said = `plot:${JSON.stringify(marks)}`;
    let areaEl = svgEl.querySelector(':scope > path.area');
    let lineEl = svgEl.querySelector(':scope > path.line');
    if (app.drawn.get(svgEl) !== said || !areaEl || !lineEl) {
      app.drawn.set(svgEl, said);
      areaEl = svg('path', { d: area, class: 'area' });
      lineEl = svg('path', { d: line, class: 'line' });
      const before = marks.filter(([tag]) => tag === 'line').map(([tag, a]) => svg(tag, a));
      const after = marks.filter(([tag]) => tag === 'circle').map(([tag, a]) => svg(tag, a));
      svgEl.replaceChildren(...before, areaEl, lineEl, ...after);
      return;
    }
    setAttr(areaEl, 'd', area);
    setAttr(lineEl, 'd', line);
  }

  // ---- service cards ----
  function field(name) { return el('span', { class: 'v', 'data-field': name, text: '—' }); }
  function makeCard(name) {
    const f = {};
    const stat = (label, key) => { f[key] = field(key); return el('div', { class: 'stat' }, el('span', { class: 'k', text: label }), f[key]); };
    f.state = el('span', { class: 'badge', 'data-field': 'state' });
    f.health = el('span', { class: 'badge', 'data-field': 'health' });
    f.note = el('div', { class: 'note', 'data-field': 'note' });
    f.held = el('div', { class: 'alert held', 'data-field': 'held', hidden: true });
    f.incident = el('div', { class: 'alert', 'data-field': 'incident', hidden: true });
    f.latNow = el('b', { text: '—' });
    f.memNow = el('b', { text: '—' });
    f.latSvg = svg('svg', { role: 'img', 'aria-label': 'health probe latency over the last minutes' });
    f.memSvg = svg('svg', { role: 'img', 'aria-label': 'memory over the last minutes' });
    f.probes = el('ul', { class: 'probes', 'data-field': 'probes' });
    // Each button is named with its service ("Restart svc-01"): 20 cards gave a screen reader 20 buttons named "Restart".
    const button = (action, text, attrs) => el('button', { type: 'button', 'data-action': action, text, id: `action:${action}:${name}`, 'aria-labelledby': `action:${action}:${name} card:${name}`, ...attrs });
    f.restart = button('restart', 'Restart', { class: 'primary' });
    f.resume = button('resume', 'Resume');
    f.start = button('start', 'Start', { hidden: true });
    f.stop = button('stop', 'Stop', { class: 'danger' });
    f.doctor = button('doctor', 'Doctor');
    f.reset = button('reset', 'Reset count');
    f.maint = button('maintenance', 'Maintenance 30m');
    f.approve = button('approve', 'Approve agent', { class: 'primary', hidden: true });
    f.refuse = button('refuse', 'Refuse agent', { hidden: true });
    f.maintNote = el('div', { class: 'alert', 'data-field': 'maintenance', hidden: true });
    f.hint = el('span', { class: 'hint', 'data-field': 'hint' });
    f.msg = el('output', { class: 'action-msg', 'data-field': 'action-msg' });
    // tabindex -1: the card takes the focus back when the button that had it is gone (keepFocus), never a Tab stop itself.
    const root = el('article', { class: 'card', 'data-service': name, 'aria-labelledby': `card:${name}`, tabindex: '-1' },
      el('header', { class: 'card-head' }, el('h3', { id: `card:${name}`, text: name }), f.state, f.health),
      el('div', { class: 'stats' }, stat('PID', 'pid'), stat('Uptime', 'uptime'), stat('Restarts', 'restarts'), stat('Memory', 'memory')),
      f.note, f.held, f.maintNote, f.incident,
      el('div', { class: 'charts' },
        el('figure', { class: 'spark lat' }, el('figcaption', {}, 'Health latency', f.latNow), f.latSvg),
        el('figure', { class: 'spark mem' }, el('figcaption', {}, 'Memory', f.memNow), f.memSvg)),
      f.probes,
      el('footer', { class: 'actions' }, f.restart, f.resume, f.start, f.stop, f.doctor, f.reset, f.maint, f.approve, f.refuse, f.hint, f.msg),
    );
    /**
     * `pending`: the button's request in flight ({at, abort}); `doctorRun`: the doctor run this page started, followed to its
     * end; `early`: the service's stream events while a Doctor request waits for its answer (the run's first ones).
     */
    const card = { name, root, f, last: null, busy: false, pending: null, doctorRun: null, early: null, refocus: null };
    for (const b of buttons(f)) b.addEventListener('click', () => act(card, b.dataset.action));
    return card;
  }

  function updateCard(card, s, group) {
    const { f, root } = card;
    card.last = s;
    // One instance of a scaled service (docs/instances.md): its group and how the group is doing.
    if (s.group !== undefined) { setData(root, 'group', s.group); setData(root, 'instance', String(s.instance)); }
    setData(root, 'state', s.state);
    setData(root, 'health', s.health);
    setData(root, 'pid', s.pid === null ? '' : String(s.pid));
    setText(f.state, s.state);
    setData(f.state, 'v', s.state);
    setText(f.health, s.pid === null ? 'no process' : s.health);
    setData(f.health, 'v', s.pid === null ? 'none' : s.health);
    setText(f.pid, s.pid === null ? '—' : String(s.pid));
    setProp(f.pid, 'title', s.adopted ? 'adopted from a previous daemon' : '');
    setText(f.restarts, String(s.restarts));
    const mem = memoryValue(s);
    setText(f.memory, mem ? fmtBytes(mem.value) : '—');
    tickCard(card);

    const note = [];
    if (group) note.push(el('span', { 'data-field': 'group', text: `instance ${s.instance} of ${group.service} (${group.healthy}/${group.instances} healthy)` }));
    // Not started at boot until an interrupted update's resume has decided: said, with its record (`clawback status` says it too).
    if (s.updateHold) {
      if (note.length) note.push(' · ');
      note.push(el('span', { class: 'warn', 'data-field': 'update-hold', text: s.updateHold.message }));
    }
    if (s.state === 'backoff' && s.nextRestartAt) {
      if (note.length) note.push(' · ');
      note.push(el('span', { class: 'warn', 'data-field': 'next-restart', text: `restarting in ${fmtDuration(Math.max(0, s.nextRestartAt - serverNow()) + 999)}` }));
    }
    if (s.lastExit && typeof s.lastExit.startError === 'string') {
      // The start failed before any process ran: no exit code, no uptime to show ("unknown status after 0 ms").
      if (note.length) note.push(' · ');
      note.push(el('span', { class: 'warn', 'data-field': 'start-failed', text: `last start failed at ${fmtWhen(s.lastExit.at)}, no process ran: ${s.lastExit.startError}` }));
    } else if (s.lastExit) {
      const how = s.lastExit.signal ? `signal ${s.lastExit.signal}` : s.lastExit.code !== null && s.lastExit.code !== undefined ? `code ${s.lastExit.code}` : 'unknown status';
      if (note.length) note.push(' · ');
      note.push(`last exit: ${how} at ${fmtWhen(s.lastExit.at)}`);
      if (s.lastExit.uptimeMs !== undefined && s.lastExit.uptimeMs !== null) note.push(` after ${fmtDuration(s.lastExit.uptimeMs)}`);
    }
    const fm = s.forecast && s.forecast.memory;
    if (fm && fm.verdict === 'rising' && fm.etaMs !== null) {
      if (note.length) note.push(' · ');
      note.push(el('span', { class: 'warn', 'data-field': 'forecast', text: `memory limit in ~${fmtDuration(fm.etaMs)} (confidence ${Math.round(fm.confidence * 100)} %)` }));
    }
    const fl = s.forecast && s.forecast.latency;
    if (fl && fl.warning) {
      if (note.length) note.push(' · ');
      note.push(el('span', { class: 'warn', 'data-field': 'latency-trend', text: fl.message }));
    }
    fillChanged(f.note, ...note);

    // The doctor run this page started is over once a status asked after the daemon's answer no longer holds it.
    const run = card.doctorRun;
    if (run && !run.done && app.statusAskedAt > run.at && !(s.work && (s.work.id === run.id || s.work.doctorRunId === run.id))) doctorDone(card, run);
    setProp(f.maintNote, 'hidden', !s.maintenance);
    if (s.maintenance) {
      const m = s.maintenance;
      const left = m.timeLeftMs === null ? 'until turned off' : `${fmtDuration(m.timeLeftMs)} left`;
      fillChanged(f.maintNote, el('strong', { text: 'Maintenance' }), ` by ${m.by} (${left})${m.reason ? `: ${m.reason}` : ''}`, el('span', { class: 'sub', text: 'watched and reported, not healed' }));
    }
    setProp(f.held, 'hidden', !s.held);
    if (s.held) {
      fillChanged(f.held, el('strong', { text: 'Held' }), `${s.held.reason}: ${s.held.detail}`, el('span', { class: 'sub', text: `since ${fmtWhen(s.held.since)} — fix it, then Resume` }));
    }
    setProp(f.incident, 'hidden', !s.incident);
    // Red as a hold is: nothing will run it again until a person does (it was grey, as an incident still being handled).
    f.incident.classList.toggle('failed', !!(s.incident && s.keptDown));
    if (s.incident) {
      const inc = s.incident;
      fillChanged(f.incident,
        levelBadge(inc.level, true),
        el('strong', { text: inc.status === 'waiting-human' ? 'Waiting for a human' : s.keptDown ? `Failed, kept down (restart: ${s.keptDown})` : 'Open incident' }),
        el('span', { text: inc.reason }),
        s.keptDown ? el('span', { 'data-field': 'start-hint', text: `not restarted until a person starts it: Start, or \`clawback start ${s.name}\`` }) : null,
        s.work ? el('span', { 'data-field': 'work', text: workText(s.work) }) : null,
        // Between the exit and the next start: the config validator may run for half a minute (its budget said).
        s.preflight ? el('span', { 'data-field': 'preflight', text: `Preflight: ${s.preflight.step} (${s.preflight.command.join(' ')}) since ${fmtWhen(s.preflight.since)}, budget ${Math.round(s.preflight.budgetMs / 1000)} s` }) : null,
        el('span', { class: 'sub', text: `${inc.id} · opened ${fmtWhen(inc.openedAt)}${inc.highestLevel > inc.level ? ` · highest L${inc.highestLevel}` : ''}${flappingText(inc)}` }),
      );
    }

    const hp = healthProbe(s);
    setText(f.latNow, hp ? fmtMs(hp.lastResult.latencyMs) : '—');
    setText(f.memNow, mem ? fmtBytes(mem.value) : '—');
    updateProbes(card, s);
    updateActions(card);
  }

  /**
   * The work in flight on the incident, as the daemon holds it (an agent run, a wait for approval and its deadline): the
   * card said only "Open incident" at L3, so nobody saw that an agent was at work or that an approval was waited for.
   */
  function workText(w) {
    const by = fmtWhen(w.deadline);
    const whose = w.doctorRunId ? `doctor run ${w.doctorRunId}` : w.agentRunId ? `agent run ${w.agentRunId}` : 'repair';
    if (w.kind === 'approval') return `A Level 3 agent run waits for a person's approval: Approve or Refuse, or \`clawback approve ${w.incidentId}\`; unanswered by ${by}, it goes to a human`;
    if (w.kind === 'agent') return `Level 3 agent run ${w.id} at work since ${fmtWhen(w.startedAt)}; its time box ends by ${by}`;
    if (w.kind === 'doctor') return `Doctor run ${w.id} at work since ${fmtWhen(w.startedAt)} (bound: ${by})`;
    if (w.kind === 'verify') return `Verifying the ${whose}: ${w.healthySince ? `healthy since ${fmtWhen(w.healthySince)}` : 'not healthy yet'}; judged by ${by}`;
    if (w.kind === 'revert') return `Putting back the file changes of the failed ${whose} (by ${by})`;
    return `${w.kind} ${w.id} in progress until ${by}`;
  }

  /**
   * One item a probe, kept from poll to poll: only the texts and attributes that changed are written (a reading's
   * latency, its message), the list rebuilt only when the probes themselves changed (a reload).
   */
  function updateProbes(card, s) {
    const { f } = card;
    const names = s.probes.length === 0 ? 'none' : JSON.stringify(s.probes.map((p) => p.name));
    if (card.probeNames !== names) {
      card.probeNames = names;
      card.probeItems = new Map();
      if (s.probes.length === 0) { fill(f.probes, el('li', { class: 'empty', text: 'no probes configured (healthy = stays up)' })); return; }
      fill(f.probes, ...s.probes.map((p) => {
        const item = { li: el('li', { 'data-probe': p.name }), dot: el('span', { class: 'dot' }), kind: el('span', { class: 'kind' }), msg: el('span', { class: 'msg' }), num: el('span', { class: 'num' }) };
        item.li.append(item.dot, el('span', { text: p.name }), item.kind, item.msg, item.num);
        card.probeItems.set(p.name, item);
        return item.li;
      }));
    }
    for (const p of s.probes) {
      const r = p.lastResult;
      const v = p.inGrace && p.verdict === 'pending' ? 'pending' : p.verdict;
      const num = r ? (p.kind === 'memory' && typeof r.value === 'number' ? fmtBytes(r.value) : r.latencyMs !== undefined ? fmtMs(r.latencyMs) : '') : '';
      const streak = r && r.status === 'unknown' && p.consecutiveUnknowns > 1 ? `, ${p.consecutiveUnknowns} in a row` : '';
      const msg = r ? `${r.status}${r.finding ? ` (${r.finding})` : ''}${streak}: ${r.message}` : p.inGrace ? 'start-up grace' : 'not checked yet';
      const item = card.probeItems.get(p.name);
      setData(item.li, 'verdict', p.verdict);
      setProp(item.li, 'title', shown(`${p.name} (${p.kind}, on failure: ${p.action})\n${msg}`));
      setData(item.dot, 'v', v);
      setText(item.kind, `${p.kind} · ${p.verdict}`);
      setText(item.msg, msg);
      setText(item.num, num);
    }
  }

  /** The card's two sparklines at the widths read beforehand (render). */
  function drawSparks(card, [latW, memW]) {
    const s = card.last;
    const hist = app.history.get(s.name);
    drawSpark(card.f.latSvg, latW, hist.lat, hist.restarts, { zero: true, empty: s.probes.length ? 'waiting for probe results' : 'no latency probe' });
    drawSpark(card.f.memSvg, memW, hist.mem, hist.restarts, { zero: false, empty: s.probes.some((p) => p.kind === 'memory') ? 'waiting for readings' : 'no memory probe' });
  }

  function tickCard(card) {
    const s = card.last;
    if (!s) return;
    const fetchedUptime = s.uptimeMs !== null && s.uptimeMs !== undefined ? s.uptimeMs + sinceFetch() : null;
    setText(card.f.uptime, s.pid === null ? '—' : fmtDuration(fetchedUptime));
  }

  function buttons(f) {
    return [f.restart, f.resume, f.start, f.stop, f.doctor, f.reset, f.maint, f.approve, f.refuse];
  }
  function updateActions(card) {
    const s = card.last;
    if (!s) return;
    const { f } = card;
    const had = document.activeElement;
    const held = s.state === 'held' || (s.incident && s.incident.status === 'waiting-human');
    setProp(f.resume, 'disabled', card.busy || !held);
    setProp(f.resume, 'title', held ? 'Resume: clear the hold and start again' : 'Resume is for a held service');
    setProp(f.restart, 'disabled', card.busy);
    // `clawback reset` (pm2 reset): RESTARTS back to 0, the process and a hold left as they are.
    setProp(f.reset, 'disabled', card.busy || !s.restarts);
    setProp(f.reset, 'title', s.restarts ? `Reset count: RESTARTS ${s.restarts} -> 0 (the process is not restarted; a hold stays until Resume)` : 'RESTARTS is 0');
    setProp(f.start, 'hidden', s.state !== 'stopped' || held);
    setProp(f.start, 'disabled', card.busy);
    setProp(f.stop, 'hidden', s.state === 'stopped');
    setProp(f.stop, 'disabled', card.busy);
    setProp(f.stop, 'title', 'Stop: the daemon stops the service (graceful stop) and does not start it again until Start');
    // Work in flight (a doctor run, its verification, an agent run) is shown as such: the daemon refuses a doctor run then.
    const w = s.work;
    const doctoring = !!(w && (w.kind === 'doctor' || w.doctorRunId));
    setProp(f.doctor, 'disabled', card.busy || !!w);
    setText(f.doctor, doctoring ? 'Doctor running…' : 'Doctor');
    setProp(f.doctor, 'title', shown(w ? `A ${w.kind} run is in progress (${w.id}); the doctor can run once it ends` : 'Doctor: run the repair rules now (for a service with an open incident)'));
    setText(f.maint, s.maintenance ? 'End maintenance' : 'Maintenance 30m');
    setProp(f.maint, 'disabled', card.busy);
    const waiting = !!(s.work && s.work.kind === 'approval');
    setProp(f.approve, 'hidden', !waiting);
    setProp(f.refuse, 'hidden', !waiting);
    setProp(f.approve, 'disabled', card.busy);
    setProp(f.refuse, 'disabled', card.busy);
    const needToken = !app.token;
    for (const b of buttons(f)) b.classList.toggle('locked', needToken);
    setProp(f.restart, 'title', needToken ? 'A token is needed to restart (paste it above)' : 'Restart now (graceful stop, then start)');
    setText(f.hint, needToken ? '🔒 token needed to control' : '');
    keepFocus(card, had);
  }
  /**
   * A focused button disabled while its request runs, or hidden once answered (Approve, Refuse), took the keyboard focus to
   * <body>: a keyboard user tabbed from the top of the page again. It goes back to that button, or to its card when the
   * button is gone (WAI-ARIA dialog practice: focus returns to the opener, or to a logical element near it).
   */
  function keepFocus(card, had) {
    const ours = card.refocus || (buttons(card.f).includes(had) ? had : null);
    if (card.busy || !ours) return;
    card.refocus = null;
    const now = document.activeElement;
    const usable = (b) => b.isConnected && !b.hidden && !b.disabled;
    const lost = now === had && had !== document.body ? !usable(had) : !now || now === document.body;
    if (lost) (usable(ours) ? ours : card.root).focus({ preventScroll: true });
  }

  async function act(card, action) {
    if (card.busy) return;
    if (action === 'stop' && !window.confirm(shown(`Stop ${card.name}? The daemon stops it and keeps it stopped until someone starts it again.`))) return;
    // A restart stops a live service too: one Enter or mis-click among many cards restarted it with no question.
    const live = card.last && card.last.pid !== null && card.last.pid !== undefined;
    if (action === 'restart' && live && !window.confirm(shown(`Restart ${card.name}? The daemon stops it (graceful stop) and starts it again; it is down meanwhile.`))) return;
    // An approval starts an AI agent on the user's files, a refusal hands the incident to a person: one mis-click did either.
    if ((action === 'approve' || action === 'refuse') && !window.confirm(shown(approvalQuestion(card.name, card.last || {}, action)))) return;
    // The button about to be disabled: the focus comes back to it (or its card) once the answer is in (keepFocus).
    card.refocus = card.root.contains(document.activeElement) ? document.activeElement : null;
    card.busy = true;
    card.doctorRun = null;
    updateActions(card);
    const msg = card.f.msg;
    msg.className = 'action-msg busy';
    msg.textContent = `${action}…`;
    try {
      const s = card.last || {};
      const by = 'by=dashboard';
      const url =
        action === 'maintenance'
          ? `/api/services/${encodeURIComponent(card.name)}/maintenance?on=${s.maintenance ? '0' : '1&for=30m'}&${by}`
          : action === 'approve' || action === 'refuse'
            ? `/api/incidents/${encodeURIComponent((s.work && s.work.incidentId) || '')}/${action}?${by}`
            : `/api/services/${encodeURIComponent(card.name)}/${action}${action === 'reset' ? `?${by}` : ''}`;
      const abort = new AbortController();
      card.pending = { at: performance.now(), abort, frozen: false };
      // A status asked after this request tells a frozen daemon: not the safety poll's 10 s away (refresh sets the next itself).
      if (!app.inflight) { clearTimeout(app.pollTimer); app.pollTimer = setTimeout(refresh, POLL_MS); }
      // A doctor run's first events can come on the stream before this answer (a loaded box): kept, counted once it is known.
      card.early = action === 'doctor' ? [] : null;
      const timer = setTimeout(() => abort.abort(), ACTION_TIMEOUT_MS);
      let res;
      try {
        res = await fetch(url, { method: 'POST', headers: authHeaders(), signal: abort.signal });
      } catch (err) {
        // A refused or cut connection (the daemon stopped or is restarting) says only "Failed to fetch" in a browser.
        if (!abort.signal.aborted) throw new Error('the daemon could not be reached (stopped or restarting?); once the page is live again, the card shows whether it was carried out');
        const secs = Math.round((performance.now() - card.pending.at) / 1000);
        // Only a daemon whose status went unanswered too is "not answering"; one that answers it is still at work.
        throw new Error(card.pending.frozen
          ? `the daemon did not answer in ${secs} s (it may have carried it out: see the status once it answers)`
          : `no answer in ${secs} s, though the daemon answers its status: it may still be at it; the card shows where the service is`);
      } finally {
        clearTimeout(timer);
      }
      let body = {};
      try { body = await res.json(); } catch { /* not JSON */ }
      const text = body.message || body.error || res.statusText;
      if (res.status === 401) {
        msg.className = 'action-msg error';
        msg.textContent = app.token
          ? `Refused (401): the token was not accepted. Paste the current token from the state directory.`
          : `Refused (401): a token is needed. Open the URL the daemon printed, or paste the token above.`;
        if (app.token) dropRefusedToken();
      } else if (!res.ok) {
        msg.className = 'action-msg error';
        msg.textContent = shown(`${action} failed (${res.status}): ${text}`);
      } else {
        msg.className = 'action-msg ok';
        msg.textContent = shown(text || `${action}: done`);
        if (action === 'doctor' && body.runId) {
          card.doctorRun = { id: String(body.runId), at: performance.now(), says: [], findings: 0, repaired: 0, done: false };
          for (const e of card.early || []) doctorEvent(card, e);
        }
      }
    } catch (err) {
      msg.className = 'action-msg error';
      msg.textContent = `${action} failed: ${err && err.message ? err.message : 'the daemon did not answer'}`;
    } finally {
      card.busy = false;
      card.pending = null;
      card.early = null;
      updateActions(card);
      scheduleRefresh(0);
    }
  }
  /** What Approve or Refuse will do, named: the service, the agent (adapter, model) and its time box (status `agent`). */
  function approvalQuestion(name, s, action) {
    const a = s.agent;
    const inc = s.work && s.work.incidentId ? ` (incident ${s.work.incidentId})` : '';
    if (action === 'refuse') return `Refuse the Level 3 agent run for ${name}${inc}? No agent runs; the incident goes to a human (Level 4) and ${name} is not restarted until someone resumes it.`;
    const who = a ? `the ${a.adapter} agent${a.model ? ` (model ${a.model})` : ''}` : 'the configured AI agent';
    const box = a ? `, time-boxed to ${fmtDuration(a.timeBoxMs)}` : '';
    return `Approve the Level 3 agent run for ${name}${inc}? The daemon starts ${who} on ${name}'s files now${box}; its file changes are reverted if ${name} is not healthy afterwards.`;
  }
  /** A live event of the doctor run this card started: counted for its summary. */
  function doctorEvent(card, e) {
    const run = card.doctorRun;
    const d = e.details || {};
    if (e.type === 'doctor.finding') run.findings++;
    else if (e.type === 'doctor.repair' && d.undone !== true && d.applied === true) run.repaired++;
    else if ((e.type === 'incident.action' && d.runId === run.id) || e.type === 'incident.escalated' || e.type === 'incident.resolved') run.says.push(e.message);
    if (run.done) doctorSummary(card, run);
  }
  /**
   * The run ended (its work left the status). The stream and the status are two connections: the run's last events may
   * come after the status that shows it over, so they are taken a while longer and the summary redrawn with them.
   */
  function doctorDone(card, run) {
    run.done = true;
    doctorSummary(card, run);
    setTimeout(() => { if (card.doctorRun === run) card.doctorRun = null; }, 10000);
  }
  /** What the run found and did, as the daemon told it. */
  function doctorSummary(card, run) {
    const msg = card.f.msg;
    const last = run.says[run.says.length - 1];
    msg.className = 'action-msg ok';
    msg.textContent = shown(`doctor run ${run.id} finished: ${run.findings} finding${run.findings === 1 ? '' : 's'}, ${run.repaired} repair${run.repaired === 1 ? '' : 's'} applied${last ? `; the daemon says: ${last}` : ''}`);
  }

  // ---- live events (SSE over fetch, so it reconnects on our terms) ----
  function eventItem(e, fresh) {
    return el('li', { class: `ev sev-${e.severity}${fresh ? ' fresh' : ''}`, 'data-type': e.type, 'data-service': e.service, title: e.incidentId ? `incident ${e.incidentId}` : undefined },
      el('time', { datetime: new Date(e.time).toISOString(), text: fmtTime(e.time) }),
      el('div', { class: 'head' }, levelBadge(e.level, false), el('span', { class: 'etype', text: e.type }), e.service ? el('span', { class: 'svc', text: e.service }) : null),
      el('div', { class: 'msg', text: e.message }));
  }
  const eventKey = (e) => `${e.time}|${e.type}|${e.service || ''}|${e.message}`;
  /** Newest first; of two at the same time the one taken later on top. */
  const byTimeDesc = (a, b) => b.e.time - a.e.time || b.seq - a.seq;
  /** Takes one event to show (drawn by drawEvents); `fresh` marks a live one. False when it was already taken. */
  function addEvent(e, fresh) {
    if (!e || typeof e.type !== 'string' || typeof e.time !== 'number') return false;
    const key = eventKey(e);
    if (app.seen.has(key)) return false;
    app.seen.add(key);
    app.pendingEvents.push({ e, key, seq: app.eventSeq++, fresh, node: null });
    // A page whose drawing waits (a hidden tab's timers are throttled) holds no more than it could show.
    if (app.pendingEvents.length > 2 * MAX_EVENTS) {
      app.pendingEvents.sort(byTimeDesc);
      for (const x of app.pendingEvents.splice(MAX_EVENTS)) app.seen.delete(x.key);
    }
    if (!app.eventsTimer) app.eventsTimer = setTimeout(drawEvents, EVENTS_DRAW_MS);
    return true;
  }
  /** Draws the events taken since the last time: only the ones that stay in the newest MAX_EVENTS get a node. */
  function drawEvents() {
    clearTimeout(app.eventsTimer);
    app.eventsTimer = 0;
    if (app.pendingEvents.length === 0) return;
    const all = app.events.concat(app.pendingEvents).sort(byTimeDesc);
    app.pendingEvents = [];
    for (const x of all.splice(MAX_EVENTS)) {
      app.seen.delete(x.key);
      x.node?.remove();
    }
    app.events = all;
    const list = $('events');
    $('events-empty')?.remove();
    // The nodes kept are in order already: only new ones are inserted, so a fresh one's highlight is not restarted.
    let ref = list.firstElementChild;
    for (const x of all) {
      if (x.node && x.node === ref) { ref = ref.nextElementSibling; continue; }
      x.node = x.node || eventItem(x.e, x.fresh);
      list.insertBefore(x.node, ref);
    }
    $('events-count').textContent = `${app.events.length}`;
  }
  function onEvent(e) {
    if (!addEvent(e, true)) return;
    const card = e.service ? app.cards.get(e.service) : undefined;
    if (card && card.doctorRun) doctorEvent(card, e);
    else if (card && card.early && card.early.length < 200) card.early.push(e);
    scheduleRefresh(60);
    if (e.type.startsWith('incident.') || e.type.startsWith('breaker.')) scheduleIncidents(400);
  }
  /** The backlog: recent journal events, so the panel is not empty after incidents that happened before the page opened. */
  async function loadRecentEvents() {
    try {
      const res = await fetch(`/api/events/recent?limit=${MAX_EVENTS}`, { cache: 'no-store', headers: authHeaders() });
      if (!res.ok) return;
      const list = await res.json();
      if (Array.isArray(list)) for (const e of list) addEvent(e, false);
      drawEvents();
      if (app.events.length === 0) $('events-empty') && ($('events-empty').textContent = 'No events yet.');
    } catch { /* the live stream still works without the backlog */ }
  }

  async function follow() {
    let delay = 500;
    for (;;) {
      const abort = new AbortController();
      let idle = 0;
      const watch = () => { clearTimeout(idle); idle = setTimeout(() => abort.abort(), STREAM_IDLE_MS); };
      try {
        watch();
        const res = await fetch('/api/events', { headers: { accept: 'text/event-stream', ...authHeaders() }, cache: 'no-store', signal: abort.signal });
        if (!res.ok || !res.body) {
          // Every stream taken (other tabs, other viewers): the daemon says so, and the page said only "dropped".
          let why = '';
          try { why = res.status === 503 ? String((await res.json()).error || '') : ''; } catch { /* not JSON */ }
          app.streamRefused = why;
          throw new Error(`HTTP ${res.status}`);
        }
        app.streamRefused = '';
        app.streamOk = true;
        delay = 500;
        renderConn();
        loadRecentEvents(); // after the stream is open, so nothing falls between the backlog and the live events
        scheduleRefresh(0);
        scheduleIncidents(0);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          watch();
          buf += value.replace(/\r\n?/g, '\n');
          let cut;
          while ((cut = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, cut);
            buf = buf.slice(cut + 2);
            const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, '')).join('\n');
            if (!data) continue;
            try { onEvent(JSON.parse(data)); } catch { /* a malformed event is skipped */ }
          }
        }
      } catch { /* dropped or silent too long: reconnect below */ }
      clearTimeout(idle);
      abort.abort();
      // The stream was what stood in for the 2 s poll: the status is asked now, and every 2 s until it is back.
      if (app.streamOk) scheduleRefresh(0);
      app.streamOk = false;
      renderConn();
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 5000);
    }
  }

  // ---- incident history ----
  function scheduleIncidents(ms) {
    app.incidentsScheduled++;
    clearTimeout(app.incidentTimer);
    app.incidentTimer = setTimeout(loadIncidents, ms);
  }
  async function loadIncidents() {
    const box = $('incidents');
    const asked = ++app.incidentsAsked;
    const limit = app.incidentLimit;
    const scheduled = app.incidentsScheduled;
    const outdated = () => asked < app.incidentsDrawn || limit !== app.incidentLimit;
    try {
      // One more than shown: whether there are more to say so (the panel showed 20 and never told of the 21st).
      const res = await fetch(`/api/incidents?limit=${Math.min(limit + 1, INCIDENT_MAX)}`, { cache: 'no-store', headers: authHeaders() });
      if (outdated()) return;
      if (res.status === 404) {
        fill(box, el('p', { class: 'empty', 'data-field': 'no-history', text: 'No incident history (this daemon does not serve it).' }));
        return;
      }
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const all = await res.json();
      if (outdated()) return;
      app.incidentsDrawn = asked;
      const list = Array.isArray(all) ? all.slice(0, limit) : all;
      // "Show more" pressed from the keyboard: the button hides itself once all are shown, and the focus fell to <body>.
      const moreFrom = app.moreFrom;
      app.moreFrom = undefined;
      const onMore = document.activeElement === $('incidents-more-button');
      renderIncidentsMore(Array.isArray(all) && all.length > list.length, list.length);
      if (!Array.isArray(list) || list.length === 0) {
        fill(box, el('p', { class: 'empty', 'data-field': 'no-history', text: 'No incident history yet.' }));
        return;
      }
      for (const d of box.querySelectorAll('details.inc')) if (d.open) app.openIncidents.add(d.dataset.id); else app.openIncidents.delete(d.dataset.id);
      // A keyboard user on an incident stays on it: the rebuild (every incident event, every 15 s) dropped the focus to the page's top.
      const focused = document.activeElement && box.contains(document.activeElement) ? document.activeElement.closest('details.inc') : null;
      const focusedId = focused ? focused.dataset.id : undefined;
      // Whole timelines are kept only for incidents still listed (and opened since).
      const listed = new Set(list.map((inc) => inc.id));
      for (const id of app.fullTimelines.keys()) if (!listed.has(id)) app.fullTimelines.delete(id);
      fill(box, ...list.map(incidentItem));
      if (focusedId !== undefined) {
        const again = [...box.querySelectorAll('details.inc')].find((d) => d.dataset.id === focusedId);
        again?.querySelector('summary')?.focus({ preventScroll: true });
      }
      // It goes to the first incident the press added (WAI-ARIA: focus follows what a "load more" brought).
      if (onMore && moreFrom !== undefined) box.querySelectorAll('details.inc > summary')[moreFrom]?.focus();
    } catch {
      if (!outdated() && !box.querySelector('details.inc')) fill(box, el('p', { class: 'empty', text: 'Incident history unavailable (retrying).' }));
    } finally {
      // The next reload in 15 s, unless one was asked for since this one was (its timer, the press's, is left alone).
      if (asked === app.incidentsAsked && scheduled === app.incidentsScheduled) {
        clearTimeout(app.incidentTimer);
        app.incidentTimer = setTimeout(loadIncidents, 15000);
      }
    }
  }
  /** "Showing the newest 20 incidents" with a way to more: the button, then `clawback incidents` for all of them. */
  function renderIncidentsMore(more, shownCount) {
    const box = $('incidents-more');
    box.hidden = !more && app.incidentLimit === INCIDENT_LIMIT;
    if (box.hidden) return;
    const canMore = more && app.incidentLimit < INCIDENT_MAX;
    $('incidents-more-text').textContent = more
      ? `Showing the newest ${shownCount} incidents; older ones: ${canMore ? 'Show more, or ' : ''}\`clawback incidents\`.`
      : `Showing all ${shownCount} incidents.`;
    $('incidents-more-button').hidden = !canMore;
  }
  function incidentItem(inc) {
    // Closed without a recovery (a person's stop, a reload that removed the service): no "recovered in" to show.
    const closed = inc.closedBy === 'stop' ? 'closed: a person stopped the service before it recovered' : inc.closedBy === 'reload' ? 'closed: a config reload removed or replaced the service' : '';
    // A service that failed while the daemon was paused (SIGSTOP, a frozen VM) may have been down since the pause began.
    const atMost = typeof inc.ttrMaxMs === 'number' ? ` (down at most ${fmtPrecise(inc.ttrMaxMs)}: the daemon was paused when it failed)` : '';
    const ttr = closed || (inc.ttrMs !== undefined && inc.ttrMs !== null ? `recovered in ${fmtPrecise(inc.ttrMs)}${atMost}` : '');
    // How long it has been open goes on every second, read on the daemon's clock (tickOpenFor).
    const openFor = inc.status === 'open' && !ttr ? el('span', { 'data-field': 'open-for', 'data-opened-at': inc.openedAt }) : null;
    if (openFor) tickOpenFor(openFor);
    // The timeline is built when the incident is opened: every reload (one after each burst of incident events) built
    // every closed incident's whole timeline, one list item per event, for nobody to see.
    const timeline = el('ol', { class: 'timeline' });
    // The list carries an incident's newest events only (timelineOmitted says how many older ones it left out): opened,
    // the whole timeline is fetched by id, the one fetched before drawn meanwhile so a reload does not shrink it.
    const omitted = Number(inc.timelineOmitted) || 0;
    const note = el('p', { class: 'timeline-note', 'data-field': 'timeline-omitted', hidden: true });
    const drawEvents = (events) => fill(timeline, ...(events || []).slice().sort((a, b) => b.time - a.time).map((e) => eventItem(e, false)));
    const drawTimeline = () => {
      if (timeline.firstChild || !item.open) return;
      const before = omitted > 0 ? app.fullTimelines.get(inc.id) : undefined;
      drawEvents(before || inc.timeline);
      if (omitted === 0) return;
      if (!before) {
        note.hidden = false;
        note.textContent = `${omitted} older event(s) not shown yet: loading…`;
      }
      fetch(`/api/incidents/${encodeURIComponent(inc.id)}`, { cache: 'no-store', headers: authHeaders(), signal: AbortSignal.timeout(STATUS_TIMEOUT_MS) })
        .then((res) => (res.ok ? res.json() : Promise.reject(new Error(`HTTP ${res.status}`))))
        .then((whole) => {
          if (!whole || !Array.isArray(whole.timeline)) throw new Error('no timeline');
          app.fullTimelines.set(inc.id, whole.timeline);
          if (!item.isConnected) return;
          drawEvents(whole.timeline);
          note.hidden = true;
        })
        .catch(() => {
          if (!item.isConnected || app.fullTimelines.has(inc.id)) return;
          note.hidden = false;
          note.textContent = `${omitted} older event(s) not shown: \`clawback incident ${inc.id}\` shows them.`;
        });
    };
    const item = el('details', { class: 'inc', 'data-id': inc.id, 'data-service': inc.service, 'data-status': inc.status, open: app.openIncidents.has(inc.id) },
      el('summary', {},
        levelBadge(inc.highestLevel, true),
        el('strong', { text: inc.service }),
        el('span', { class: `st ${inc.status}`, text: inc.outcome && inc.outcome !== 'open' ? inc.outcome : inc.status }),
        el('span', { class: 'reason' }, el('time', { text: fmtWhen(inc.openedAt) }), ` · ${[inc.reason, ttr].filter(Boolean).join(' · ')}${flappingText(inc)}`, openFor)),
      el('div', { class: 'body' },
        el('p', { class: 'acts', text: `${inc.id}${inc.actions && inc.actions.length ? ` · actions: ${inc.actionsOmitted ? `${inc.actionsOmitted} earlier, then ` : ''}${inc.actions.join(', ')}` : ''}` }),
        timeline,
        note));
    item.addEventListener('toggle', drawTimeline);
    drawTimeline();
    return item;
  }

  /** "open for 2m 5s" on the daemon's clock: nothing to say before a status has told how far the browser's clock is off. */
  function tickOpenFor(node) {
    node.textContent = app.status ? ` · open for ${fmtDuration(serverNow() - Number(node.dataset.openedAt))}` : '';
  }

  /** Every time shown that goes on between polls (uptimes, "open for"); while stale they stay as of the last answer. */
  function tickTimes() {
    for (const card of app.cards.values()) tickCard(card);
    for (const node of document.querySelectorAll('#incidents [data-opened-at]')) tickOpenFor(node);
    const up = document.querySelector('[data-field="daemon-uptime"]');
    if (up && app.status) up.textContent = fmtDuration(app.status.daemon.uptimeMs + sinceFetch());
  }

  // ---- cluster (only when the daemon has a `cluster:` block) ----
  async function loadCluster() {
    const panel = $('cluster-panel');
    let again = true;
    try {
      const res = await fetch('/api/cluster', { cache: 'no-store', headers: authHeaders() });
      // No cluster block: asked every 5 s for nothing (12 requests a minute). Asked again only when a status says
      // this daemon is in a cluster now (restarted with a `cluster:` block while the page stayed open).
      if (res.status === 404) { panel.hidden = true; app.clusterOff = true; again = false; return; }
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const c = await res.json();
      panel.hidden = false;
      $('cluster-member').textContent = shown(`member ${c.member} · etcd ${c.etcdReachable ? 'reachable' : 'NOT reachable'} · lease ${c.leaseAgeMs === null ? 'none' : `renewed ${fmtDuration(c.leaseAgeMs)} ago`}`);
      // etcd did not answer: members and failovers unknown (not none), the leader as last seen.
      const unknown = c.recordsRead === false;
      const rows = c.services.map((s) => {
        const f = s.lastFailover;
        const leader = !unknown || s.self ? (s.leader || '(none)') : s.leaderSeenAgoMs == null ? 'unknown' : `${s.leader || '(none)'} as of ${fmtDuration(s.leaderSeenAgoMs)} ago`;
        return el('tr', { 'data-service': s.service },
          el('td', { text: s.service }),
          el('td', { 'data-field': 'leader', text: leader }),
          el('td', { class: s.self ? 'st resolved' : 'st', text: s.self ? `active here (token ${s.fencingToken})` : s.fenced ? 'fenced here (no renewal: stopped)' : 'standby' }),
          el('td', { text: unknown ? 'unknown (etcd did not answer)' : f ? `${f.kind} ${f.from || '?'} → ${f.to}, ${fmtWhen(f.at)} (no leader seen ${fmtPrecise(f.noLeaderMs)})` : '—' }));
      });
      // What `clawback cluster status` and `clawback status` say and the page did not: a move withdrawn during its
      // handover (the instance stopped for it, then started again here), and a config from etcd this member did not take.
      const withdrawn = c.services.filter((s) => s.withdrawnMove).map((s) => {
        const w = s.withdrawnMove;
        return el('p', { class: w.running ? 'acts' : 'warn', 'data-field': 'withdrawn-move', 'data-service': s.service, text: `${s.service}: the move to ${w.to} was withdrawn during the handover at ${fmtWhen(w.at)}; it stayed on ${c.member}, whose instance had stopped for it: ${w.running ? 'running again' : 'NOT running yet'}` });
      });
      const skipped = ((app.status && app.status.cluster && app.status.cluster.followSkipped) || []).map((f) =>
        el('p', { class: 'warn', 'data-field': 'follow-skipped', 'data-service': f.service, text: `Cluster config not followed (${fmtWhen(f.at)}): ${f.message}` }));
      fill($('cluster'), 
        el('p', { class: 'acts', text: `members: ${unknown ? 'unknown (etcd did not answer)' : c.members.map((m) => m.member).join(', ') || '(none seen)'}` }),
        ...skipped,
        el('table', { class: 'cluster' }, el('tr', {}, ...['service', 'leader', 'here', 'last failover'].map((h) => el('th', { text: h }))), ...rows),
        ...withdrawn);
    } catch {
      if (!panel.hidden) $('cluster-member').textContent = 'cluster status unavailable (retrying)';
    } finally {
      clearTimeout(app.clusterTimer);
      app.clusterTimer = again ? setTimeout(loadCluster, 5000) : 0;
    }
  }

  // ---- start ----
  function init() {
    const fromFragment = tokenFromFragment();
    app.token = fromFragment || readStored();
    if (fromFragment) store(fromFragment);
    renderToken();
    $('token-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const input = $('token-input');
      const t = input.value.trim();
      input.value = '';
      if (t) setToken(t);
    });
    $('token-forget').addEventListener('click', () => setToken(''));
    // Drawn again at once: a card the filter hid has not had its sparklines drawn meanwhile.
    $('filter').addEventListener('input', () => (app.status ? render(app.status) : applyFilter()));
    // A summary link to a card the filter hides: the filter is cleared, or the link led nowhere.
    window.addEventListener('hashchange', () => {
      // A malformed escape typed or pasted in the address (#card:%E0) threw an uncaught URIError: taken as written.
      const card = location.hash.startsWith('#card:') ? app.cards.get(decodeOr(location.hash.slice(6))) : undefined;
      if (card && card.root.hidden) { $('filter').value = ''; if (app.status) render(app.status); else applyFilter(); card.root.scrollIntoView(); }
    });
    $('incidents-more-button').addEventListener('click', () => {
      app.moreFrom = $('incidents').querySelectorAll('details.inc').length;
      app.incidentLimit = Math.min(app.incidentLimit + INCIDENT_LIMIT * 5, INCIDENT_MAX);
      scheduleIncidents(0);
    });
    let resizeTimer = 0;
    window.addEventListener('resize', () => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(() => { if (app.status) render(app.status); }, 150);
    });
    setInterval(tickTimes, 1000);
    refresh();
    loadIncidents();
    loadCluster();
    follow();
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
