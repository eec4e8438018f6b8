// The Messages view: the conversation list (join by id) and a thread with
// its delivery states, read receipts, typing indicators and composer.

import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { useAlora } from "../AloraProvider";
import { Icon } from "../components/Icon";
import { formatDateTime, formatTime } from "../format";
import { sortedConversations, type Conversation, type State, type ThreadMessage } from "../state";

/** Stop the typing indicator after this long without a keystroke. */
export const TYPING_IDLE_MS = 2000;
/** While typing goes on, repeat "typing" this often so the other side's indicator doesn't expire. */
const TYPING_REFRESH_MS = 4000;

function conversationTitle(c: Conversation): string {
  return c.title ? c.title : `Conversation ${c.id}`;
}

function displayName(state: State, userId: string, fallback: string | null): string {
  return state.people[userId]?.name ?? fallback ?? userId;
}

function JoinForm() {
  const { actions } = useAlora();
  const [id, setId] = useState("");
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const v = id.trim();
    if (!v) return;
    void actions.joinConversation(v);
    actions.openConversation(v);
    setId("");
  };
  return (
    <form className="inline-form" onSubmit={submit} aria-label="Join a conversation">
      <label className="grow">
        <span className="sr-only">Conversation id</span>
        <input value={id} onChange={(e) => setId(e.target.value)} placeholder="Conversation id" autoComplete="off" />
      </label>
      <button type="submit" className="btn" disabled={!id.trim()}>
        Join
      </button>
    </form>
  );
}

function ConversationList() {
  const { state, actions } = useAlora();
  const list = sortedConversations(state.chat);
  return (
    <section className="view" aria-labelledby="h-messages">
      <div className="view-head">
        <h1 id="h-messages">Messages</h1>
      </div>
      <JoinForm />
      {list.length === 0 ? (
        <p className="empty">No conversations yet. Join one by id, or wait for a message.</p>
      ) : (
        <ul className="list" aria-label="Conversations">
          {list.map((c) => {
            const typing = Object.keys(c.typing).length > 0;
            return (
              <li key={c.id}>
                <button
                  type="button"
                  className={`card card-button${c.unread > 0 ? " unread" : ""}`}
                  onClick={() => actions.openConversation(c.id)}
                  data-testid="conversation"
                >
                  <span className="card-head">
                    {c.unread > 0 && <span className="unread-dot" aria-hidden="true" />}
                    <span className="card-title">{conversationTitle(c)}</span>
                    {c.join === "joined" && <span className="chip">Joined</span>}
                    <time className="muted small" dateTime={c.lastActivity}>
                      {formatDateTime(c.lastActivity)}
                    </time>
                  </span>
                  <span className="card-body one-line">
                    {typing ? <em>typing…</em> : (c.preview ?? <span className="muted">No messages yet</span>)}
                  </span>
                  {/* named by its content, so the name holds what is seen (WCAG "label in name") */}
                  {c.unread > 0 && (
                    <span className="count">
                      {c.unread}
                      <span className="sr-only"> unread</span>
                    </span>
                  )}
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

function DeliveryLabel({ m }: { m: ThreadMessage }) {
  const { actions } = useAlora();
  if (!m.own || !m.delivery) return null;
  if (m.delivery === "failed") {
    return (
      <span className="delivery is-failed" data-testid="delivery">
        <span>Failed{m.error ? `: ${m.error}` : ""}</span>
        <button type="button" className="btn btn-small" onClick={() => m.clientId && void actions.retryMessage(m.clientId)}>
          Retry
        </button>
      </span>
    );
  }
  return (
    <span className={`delivery is-${m.delivery}`} data-testid="delivery">
      {m.delivery === "pending" ? "Pending" : "Sent"}
    </span>
  );
}

function Composer({ conversationId }: { conversationId: string }) {
  const { state, actions } = useAlora();
  const [text, setText] = useState("");
  const field = useRef<HTMLTextAreaElement>(null);
  // Opened from a popup (its body or Reply) or a toast: ready to type.
  const focus = state.nav.focus;
  const asked = focus?.view === "messages" && focus.id === conversationId ? focus.nonce : null;
  useEffect(() => {
    if (asked !== null) field.current?.focus({ preventScroll: true });
  }, [asked]);
  const typing = useRef(false);
  const lastTypingSent = useRef(0);
  const idle = useRef<ReturnType<typeof setTimeout> | null>(null);

  const stopTyping = () => {
    if (idle.current) clearTimeout(idle.current);
    idle.current = null;
    if (typing.current) {
      typing.current = false;
      void actions.setTyping(conversationId, false);
    }
  };

  // leaving the thread ends the indicator
  useEffect(() => () => stopTyping(), [conversationId]); // eslint-disable-line react-hooks/exhaustive-deps

  const onChange = (v: string) => {
    setText(v);
    if (!v.trim()) {
      stopTyping();
      return;
    }
    const now = Date.now();
    if (!typing.current || now - lastTypingSent.current > TYPING_REFRESH_MS) {
      typing.current = true;
      lastTypingSent.current = now;
      void actions.setTyping(conversationId, true);
    }
    if (idle.current) clearTimeout(idle.current);
    idle.current = setTimeout(stopTyping, TYPING_IDLE_MS);
  };

  const send = () => {
    const content = text.trim();
    if (!content) return;
    stopTyping();
    setText("");
    void actions.sendChatMessage(conversationId, content);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      send();
    }
  };

  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      <label className="grow">
        <span className="sr-only">Message</span>
        <textarea
          ref={field}
          rows={2}
          value={text}
          placeholder="Write a message"
          onChange={(e) => onChange(e.target.value)}
          onKeyDown={onKeyDown}
          onBlur={stopTyping}
        />
      </label>
      <button type="submit" className="btn btn-primary" disabled={!text.trim()} aria-label="Send message">
        <Icon name="send" size={16} />
        <span>Send</span>
      </button>
    </form>
  );
}

function Thread({ id }: { id: string }) {
  const { state, actions, windowFocused } = useAlora();
  const c = state.chat.conversations[id];
  const messages = c?.messages ?? [];
  const logRef = useRef<HTMLDivElement>(null);

  // viewing the thread reads it
  const unreadIncoming = messages.filter((m) => !m.own && !m.readSent).length + (c?.unread ?? 0);
  useEffect(() => {
    if (windowFocused && unreadIncoming > 0) void actions.markConversationRead(id);
  }, [id, windowFocused, unreadIncoming, actions]);

  useEffect(() => {
    const el = logRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [messages.length]);

  const typers = Object.keys(c?.typing ?? {}).map((u) => displayName(state, u, null));
  const title = c ? conversationTitle(c) : `Conversation ${id}`;

  return (
    <section className="view thread" aria-labelledby="h-thread" data-conversation-id={id}>
      <div className="view-head">
        <button type="button" className="icon-btn" aria-label="Back to conversations" onClick={() => actions.openConversation(null)}>
          <Icon name="back" />
        </button>
        <h1 id="h-thread" className="one-line">
          {title}
        </h1>
        <span className="spacer" />
        {c?.join === "joined" ? (
          <span className="chip chip-ok">Joined</span>
        ) : (
          <button
            type="button"
            className="btn btn-small"
            disabled={c?.join === "pending"}
            onClick={() => void actions.joinConversation(id)}
          >
            {c?.join === "pending" ? "Joining…" : c?.join === "failed" ? "Retry join" : "Join"}
          </button>
        )}
      </div>
      {/* <ol> may not take the log role: the log wraps the list */}
      <div className="messages" ref={logRef} role="log" aria-label={`Messages in ${title}`} aria-live="polite">
        <ol className="msg-list">
          {messages.length === 0 && <li className="empty">No messages in this window yet.</li>}
          {messages.map((m) => (
            <li key={m.key} className={`msg${m.own ? " own" : ""}`} data-testid="message">
              {!m.own && <span className="msg-sender">{displayName(state, m.senderId, m.senderName)}</span>}
              <p className="msg-bubble">{m.content}</p>
              <span className="msg-meta">
                <time dateTime={m.createdAt}>{formatTime(m.createdAt)}</time>
                <DeliveryLabel m={m} />
              </span>
            </li>
          ))}
        </ol>
      </div>
      <p className="typing" aria-live="polite" data-testid="typing">
        {typers.length > 0 ? `${typers.join(", ")} ${typers.length === 1 ? "is" : "are"} typing…` : ""}
      </p>
      <Composer conversationId={id} />
    </section>
  );
}

export function MessagesView() {
  const { state } = useAlora();
  const open = state.nav.openConversation;
  return open ? <Thread id={open} /> : <ConversationList />;
}
