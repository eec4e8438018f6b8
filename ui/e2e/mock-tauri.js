// A stand-in for the Rust app, injected into the page before the UI loads
// (page.addInitScript). It defines the same internals Tauri's webview has
// (`window.__TAURI_INTERNALS__` with `invoke` and `transformCallback`, the
// event plugin's `unregisterListener`), answers the commands of docs/IPC.md
// from an in-memory state, and lets the test drive it through `window.__mock`.
(() => {
  const now = () => new Date().toISOString();
  const callbacks = new Map();
  const listeners = new Map(); // event -> [{ eventId, handler }]
  const handlerOf = new Map(); // eventId -> callback id
  let nextCallback = 1;
  let nextEventId = 1;
  let nextEntry = 1;

  const popups = { bookingRequest: true, newNotification: true, bookingUpdated: true, newMessage: true, userOnline: false, userOffline: false };
  // the app's defaults (crates/desktop/src/attention/prefs.rs)
  const attention = {
    sounds: { bookingRequest: true, newNotification: false, bookingUpdated: false, newMessage: true, userOnline: false, userOffline: false },
    realert: true,
    realertMinutes: 5,
    quietHours: { enabled: false, from: "19:00", to: "08:00" },
    urgentBypass: false,
    dndUntil: null,
    offlineAlarm: true,
    offlineGraceMinutes: 2,
  };
  const stats = { eventsIn: 0, malformed: 0, unknownEvents: 0, connects: 1, attempts: 1, authRejections: 0, eventsOut: 0 };
  const connected = { kind: "connected", since: now() };

  const mock = {
    calls: [],
    failures: {}, // cmd -> [errors to throw, in order]
    autoAck: true, // sendMessage acked shortly after "sent"
    autoEcho: true, // bookingUpdate echoed as bookingUpdated
    echoDelayMs: 400,
    snapshot: {
      link: connected,
      stats,
      outbox: { pending: 0, failed: 0 },
      demo: true,
      dnd: false,
      status: "available",
      userId: "me",
      signedIn: true,
      keyring: "os",
      notifier: "available",
      unread: 0,
      version: "0.1.0-e2e",
    },
    settings: {
      serverUrl: "http://localhost:6001",
      socketPath: "/socket/notification",
      userId: "me",
      popups,
      dnd: false,
      startAtLogin: false,
      caCert: null,
      signInTimeoutSecs: 300,
      attention,
    },
    decisions: [
      { at: now(), summary: "Booking request: Haircut with Sam", shown: false, why: "quietHours" },
      { at: now(), summary: "Booking request: Haircut with Sam", shown: true, why: "realert" },
    ],
    notificationServer: { name: "Plasma", vendor: "KDE", version: "6.1.4", capabilities: ["body", "actions", "inhibitions"] },
    desktopDnd: false,
    history: [],
    outbox: [],
    snoozed: [],
    stateHistory: [
      { at: now(), state: { kind: "connecting", attempt: 1 } },
      { at: now(), state: connected },
    ],
    focus: null,
  };

  function emit(event, payload) {
    for (const l of [...(listeners.get(event) || [])]) {
      const cb = callbacks.get(l.handler);
      if (cb) cb({ event, id: l.eventId, payload });
    }
  }

  function setLink(state) {
    mock.snapshot.link = state;
    mock.stateHistory.push({ at: now(), state });
    emit("link://state", state);
  }

  function counts() {
    const c = {
      pending: mock.outbox.filter((e) => e.status !== "failed").length,
      failed: mock.outbox.filter((e) => e.status === "failed").length,
    };
    mock.snapshot.outbox = c;
    return c;
  }

  function outboxChanged() {
    emit("outbox://changed", counts());
  }

  function isLive() {
    return mock.snapshot.link.kind === "connected";
  }

  let historySeq = 1;
  function addHistory(event, title, body, target, link = null) {
    const item = { id: `h${historySeq++}`, event, title, body, createdAt: now(), read: false, link, target };
    mock.history.unshift(item);
    emit("history://added", item);
    return item;
  }

  /** As if the server sent `event` with `data`: link://event, and history for what the app records. */
  function incoming(event, data) {
    stats.eventsIn++;
    const d = { ...data };
    if ((event === "newNotification" || event === "newMessage") && !d.createdAt) d.createdAt = now();
    emit("link://event", { event, data: d });
    switch (event) {
      case "newNotification":
        addHistory(event, d.title, d.message ?? d.body ?? "", { view: "notifications", id: String(d.id) }, d.link ?? null);
        break;
      case "bookingUpdated":
        addHistory(event, d.title ?? `Booking ${d.bookingId}`, d.message ?? `Status: ${d.status}`, {
          view: "bookings",
          id: String(d.bookingId),
        });
        break;
      case "newMessage":
        if (String(d.senderId) !== mock.snapshot.userId) {
          addHistory(event, d.senderName ?? String(d.senderId), d.content, { view: "messages", id: String(d.conversationId) });
        }
        break;
      case "userOnline":
        break;
      default:
        break;
    }
  }

  function delivery(entryId, event, clientId, outcome) {
    return { entryId, event, clientId, outcome };
  }

  /** Queue (offline) or send (online) one outgoing event, as the link does. */
  function send(event, payload, clientId = null) {
    stats.eventsOut++;
    if (event === "typing") {
      return delivery(null, event, null, isLive() ? { kind: "sent" } : { kind: "dropped" });
    }
    if (event === "joinConversation") {
      return delivery(null, event, null, isLive() ? { kind: "sent" } : { kind: "remembered" });
    }
    const entry = {
      id: nextEntry++,
      outgoing: { event, payload },
      status: "pending",
      attempts: 0,
      queuedAt: now(),
      lastError: null,
      clientId,
    };
    if (!isLive()) {
      mock.outbox.push(entry);
      outboxChanged();
      return delivery(entry.id, event, clientId, { kind: "queued" });
    }
    afterSent(entry);
    return delivery(entry.id, event, clientId, { kind: "sent" });
  }

  function afterSent(entry) {
    const { event, payload } = entry.outgoing;
    if (event === "sendMessage" && mock.autoAck) {
      setTimeout(() => {
        emit(
          "outbox://delivery",
          delivery(entry.id, event, entry.clientId, { kind: "acked", ack: { ok: true } }),
        );
      }, 150);
    }
    if (event === "bookingUpdate" && mock.autoEcho) {
      setTimeout(
        () => incoming("bookingUpdated", { bookingId: payload.bookingId, status: payload.status, updatedBy: "me" }),
        mock.echoDelayMs,
      );
    }
    if (event === "updateStatus") {
      mock.snapshot.status = payload.status;
    }
  }

  /** The link came back: flush the outbox in order. */
  function goLive() {
    setLink({ kind: "connected", since: now() });
    stats.connects++;
    // failed entries stay for an explicit retry; the rest is flushed in order
    const flush = mock.outbox.filter((e) => e.status !== "failed");
    mock.outbox = mock.outbox.filter((e) => e.status === "failed");
    for (const entry of flush) {
      emit("outbox://delivery", delivery(entry.id, entry.outgoing.event, entry.clientId, { kind: "sent" }));
      afterSent(entry);
    }
    outboxChanged();
  }

  function goOffline(reason = "connection refused", inMs = 8000) {
    stats.attempts++;
    setLink({ kind: "reconnecting", attempt: 2, nextInMs: inMs, retryAt: new Date(Date.now() + inMs).toISOString(), reason });
  }

  /** Give up on what is queued: each entry fails and stays for a retry. */
  function failQueued(reason = "no acknowledgement") {
    for (const entry of mock.outbox) {
      entry.status = "failed";
      entry.attempts++;
      entry.lastError = reason;
      emit("outbox://delivery", delivery(entry.id, entry.outgoing.event, entry.clientId, { kind: "failed", reason }));
    }
    outboxChanged();
  }

  const commands = {
    get_snapshot: () => ({ ...mock.snapshot, unread: mock.history.filter((h) => !h.read).length }),
    connect: () => (goLive(), null),
    disconnect: () => (setLink({ kind: "idle" }), null),
    reconnect_now: () => (setLink({ kind: "connecting", attempt: 3 }), setTimeout(goLive, 200), null),
    sign_in: ({ token }) => {
      if (!token) throw { code: "invalidToken", message: "The token is empty" };
      mock.snapshot.signedIn = true;
      return null;
    },
    sign_in_browser: () => {
      if (mock.signInBrowserError) throw mock.signInBrowserError;
      mock.snapshot.signedIn = true;
      return null;
    },
    sign_out: () => {
      mock.snapshot.signedIn = false;
      setLink({ kind: "authRequired", reason: { kind: "missing" } });
      return null;
    },
    get_settings: () => mock.settings,
    update_settings: ({ patch }) => {
      const { attention: at, popups: p, ...rest } = patch;
      if (at && at.realertMinutes != null && (at.realertMinutes < 2 || at.realertMinutes > 30))
        throw { code: "invalid_input", message: "realertMinutes must be between 2 and 30" };
      if (at && at.offlineGraceMinutes != null && (at.offlineGraceMinutes < 1 || at.offlineGraceMinutes > 60))
        throw { code: "invalid_input", message: "offlineGraceMinutes must be between 1 and 60" };
      const a = mock.settings.attention;
      mock.settings = {
        ...mock.settings,
        ...rest,
        popups: { ...mock.settings.popups, ...p },
        attention: { ...a, ...at, sounds: { ...a.sounds, ...(at && at.sounds) } },
      };
      emit("settings://changed", mock.settings);
      return mock.settings;
    },
    set_dnd: ({ on }) => {
      const a = mock.settings.attention;
      mock.settings = { ...mock.settings, dnd: on, attention: on ? a : { ...a, dndUntil: null } };
      mock.snapshot.dnd = on;
      emit("settings://changed", mock.settings);
      return null;
    },
    dnd_until_tomorrow: () => {
      const t = new Date();
      t.setDate(t.getDate() + 1);
      t.setHours(8, 0, 0, 0);
      mock.settings = { ...mock.settings, attention: { ...mock.settings.attention, dndUntil: t.toISOString() } };
      emit("settings://changed", mock.settings);
      return mock.settings;
    },
    send_typing: ({ isTyping, conversationId }) => send("typing", { userId: "me", isTyping, conversationId }),
    update_status: ({ status }) => send("updateStatus", { status }),
    send_booking_update: ({ bookingId, status }) => send("bookingUpdate", { bookingId, status }),
    send_message: ({ conversationId, content, clientId }) =>
      send("sendMessage", { clientId, conversationId, content }, clientId ?? null),
    join_conversation: ({ conversationId }) => send("joinConversation", { conversationId }),
    mark_as_read: ({ conversationId, messageIds }) => send("markAsRead", { conversationId, messageIds }),
    emit: ({ event, payload }) => send(event, payload, payload && payload.clientId ? payload.clientId : null),
    simulate_incoming: ({ event, payload }) => (incoming(event, payload), null),
    list_history: ({ query, event, unreadOnly, limit } = {}) =>
      mock.history
        .filter((h) => (!event || h.event === event) && (!unreadOnly || !h.read))
        .filter((h) => !query || `${h.title} ${h.body}`.toLowerCase().includes(String(query).toLowerCase()))
        .slice(0, limit ?? 100),
    mark_history_read: ({ ids }) => {
      let n = 0;
      for (const h of mock.history) {
        if (!h.read && (ids.length === 0 || ids.includes(h.id))) {
          h.read = true;
          n++;
          // as the app: reading an item ends its snooze
          const before = mock.snoozed.length;
          mock.snoozed = mock.snoozed.filter((z) => z.target.view !== h.target.view || z.target.id !== h.target.id);
          if (mock.snoozed.length !== before) emit("app://snoozed", mock.snoozed);
        }
      }
      return n;
    },
    snooze_history: ({ id, minutes }) => {
      if (minutes !== 10 && minutes !== 60) throw { code: "invalid_input", message: `a snooze is 10 or 60 minutes, not ${minutes}` };
      const item = mock.history.find((h) => h.id === id);
      if (!item || item.read) throw { code: "invalid_input", message: "this notification is already read: nothing would come back" };
      const until = new Date(Date.now() + minutes * 60_000).toISOString();
      mock.snoozed = [...mock.snoozed, { target: item.target, until }];
      emit("app://snoozed", mock.snoozed);
      return mock.snoozed;
    },
    list_snoozed: () => mock.snoozed,
    list_outbox: () => mock.outbox.map(({ clientId: _c, ...e }) => e),
    retry_outbox: ({ entryId }) => {
      const entry = mock.outbox.find((e) => e.id === entryId);
      if (!entry) throw { code: "notFound", message: `No outbox entry ${entryId}` };
      entry.status = "pending";
      emit("outbox://delivery", delivery(entry.id, entry.outgoing.event, entry.clientId, { kind: "queued" }));
      if (isLive()) {
        mock.outbox = mock.outbox.filter((e) => e !== entry);
        setTimeout(() => {
          emit("outbox://delivery", delivery(entry.id, entry.outgoing.event, entry.clientId, { kind: "sent" }));
          afterSent(entry);
        }, 50);
      }
      outboxChanged();
      return null;
    },
    discard_outbox: ({ entryId }) => {
      mock.outbox = mock.outbox.filter((e) => e.id !== entryId);
      outboxChanged();
      return null;
    },
    get_diagnostics: () => ({
      stateHistory: mock.stateHistory,
      stats,
      version: mock.snapshot.version,
      demo: mock.snapshot.demo,
      notifier: mock.snapshot.notifier,
      keyring: mock.snapshot.keyring,
      decisions: mock.decisions,
      notificationServer: mock.notificationServer,
      desktopDnd: mock.desktopDnd,
    }),
    set_focus: ({ conversationId }) => ((mock.focus = conversationId), null),
  };

  async function invoke(cmd, args = {}) {
    if (cmd === "plugin:event|listen") {
      const eventId = nextEventId++;
      if (!listeners.has(args.event)) listeners.set(args.event, []);
      listeners.get(args.event).push({ eventId, handler: args.handler });
      handlerOf.set(eventId, args.handler);
      return eventId;
    }
    if (cmd === "plugin:event|unlisten") {
      const ls = listeners.get(args.event) || [];
      listeners.set(
        args.event,
        ls.filter((l) => l.eventId !== args.eventId),
      );
      return null;
    }
    if (cmd === "plugin:event|emit") {
      emit(args.event, args.payload);
      return null;
    }
    mock.calls.push({ cmd, args: JSON.parse(JSON.stringify(args)) });
    const queue = mock.failures[cmd];
    if (queue && queue.length) throw queue.shift();
    const handler = commands[cmd];
    if (!handler) throw { code: "unknownCommand", message: `command ${cmd} not found` };
    return handler(args);
  }

  window.__TAURI_INTERNALS__ = {
    invoke,
    transformCallback(callback, once = false) {
      const id = nextCallback++;
      callbacks.set(id, (data) => {
        if (once) callbacks.delete(id);
        return callback && callback(data);
      });
      return id;
    },
    unregisterCallback(id) {
      callbacks.delete(id);
    },
    convertFileSrc: (p) => p,
    metadata: { currentWindow: { label: "main" }, currentWebview: { windowLabel: "main", label: "main" } },
  };
  window.__TAURI_EVENT_PLUGIN_INTERNALS__ = {
    unregisterListener(_event, eventId) {
      callbacks.delete(handlerOf.get(eventId));
      handlerOf.delete(eventId);
    },
  };

  Object.assign(mock, {
    emit,
    incoming,
    setLink,
    goLive,
    goOffline,
    failQueued,
    addHistory,
    listenerCount: (event) => (listeners.get(event) || []).length,
    callsOf: (cmd) => mock.calls.filter((c) => c.cmd === cmd).map((c) => c.args),
    failNext: (cmd, error) => {
      (mock.failures[cmd] ||= []).push(error);
    },
  });
  window.__mock = mock;

  // record CSP violations so the test can assert there are none
  window.__cspViolations = [];
  document.addEventListener("securitypolicyviolation", (e) => {
    window.__cspViolations.push(`${e.violatedDirective}: ${e.blockedURI}`);
  });
})();
