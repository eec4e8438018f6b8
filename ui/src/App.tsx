// The window's frame: status bar, the tabs of the six views (arrow keys move
// between them), the main landmark holding the current view, and the toasts.

import { useRef, type KeyboardEvent } from "react";
import { useAlora } from "./AloraProvider";
import { Icon, type IconName } from "./components/Icon";
import { StatusBar } from "./components/StatusBar";
import { Toasts } from "./components/Toasts";
import { unreadHistory, unreadMessages, type MainView } from "./state";
import { BookingsView } from "./views/Bookings";
import { DiagnosticsView } from "./views/Diagnostics";
import { MessagesView } from "./views/Messages";
import { NotificationsView } from "./views/Notifications";
import { PeopleView } from "./views/People";
import { SettingsView } from "./views/Settings";

type Tab = { view: MainView; label: string; title: string; icon: IconName };

export const TABS: Tab[] = [
  { view: "notifications", label: "Inbox", title: "Notifications", icon: "bell" },
  { view: "bookings", label: "Bookings", title: "Bookings", icon: "calendar" },
  { view: "messages", label: "Messages", title: "Messages", icon: "chat" },
  { view: "people", label: "People", title: "People", icon: "people" },
  { view: "settings", label: "Settings", title: "Settings", icon: "settings" },
  { view: "diagnostics", label: "Diagnostics", title: "Diagnostics", icon: "pulse" },
];

const countText = (n: number) => (n > 99 ? "99+" : String(n));

/**
 * The tab's accessible name holds its visible words in their order (label,
 * then count: WCAG's "label in name", so voice control finds "Inbox"), and
 * the view's title where the label is a short form of it.
 */
function tabName(t: Tab, n: number): string {
  const title = t.title === t.label ? t.label : `${t.label} (${t.title})`;
  return n > 0 ? `${title}, ${countText(n)} unread` : title;
}

function Tabs() {
  const { state, actions } = useAlora();
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  const counts: Partial<Record<MainView, number>> = {
    notifications: unreadHistory(state.inbox),
    messages: unreadMessages(state.chat),
  };
  const onKey = (e: KeyboardEvent, i: number) => {
    let next = -1;
    if (e.key === "ArrowRight" || e.key === "ArrowDown") next = (i + 1) % TABS.length;
    else if (e.key === "ArrowLeft" || e.key === "ArrowUp") next = (i - 1 + TABS.length) % TABS.length;
    else if (e.key === "Home") next = 0;
    else if (e.key === "End") next = TABS.length - 1;
    if (next < 0) return;
    e.preventDefault();
    actions.setView(TABS[next].view);
    refs.current[next]?.focus();
  };
  return (
    <nav className="tabs" aria-label="Views">
      <div role="tablist" aria-orientation="horizontal" className="tablist">
        {TABS.map((t, i) => {
          const selected = state.nav.view === t.view;
          const n = counts[t.view] ?? 0;
          return (
            <button
              key={t.view}
              ref={(el) => {
                refs.current[i] = el;
              }}
              type="button"
              role="tab"
              id={`tab-${t.view}`}
              aria-selected={selected}
              aria-controls={`panel-${t.view}`}
              aria-label={tabName(t, n)}
              tabIndex={selected ? 0 : -1}
              className="tab"
              onClick={() => actions.setView(t.view)}
              onKeyDown={(e) => onKey(e, i)}
            >
              {/* the label comes first, as in the name; CSS shows the icon above (or before) it */}
              <span className="tab-label">{t.label}</span>{" "}
              <span className="tab-icon">
                <Icon name={t.icon} />
                {n > 0 && (
                  <span className="tab-count" aria-hidden="true">
                    {countText(n)}
                  </span>
                )}
              </span>
            </button>
          );
        })}
      </div>
    </nav>
  );
}

function CurrentView({ view }: { view: MainView }) {
  switch (view) {
    case "notifications":
      return <NotificationsView />;
    case "bookings":
      return <BookingsView />;
    case "messages":
      return <MessagesView />;
    case "people":
      return <PeopleView />;
    case "settings":
      return <SettingsView />;
    case "diagnostics":
      return <DiagnosticsView />;
  }
}

export function App() {
  const { view } = useAlora().state.nav;
  return (
    <div className="app">
      <StatusBar />
      <Tabs />
      {/* <main> may not take another role: the tab panel sits inside the landmark */}
      <main className="panel" data-view={view}>
        <div role="tabpanel" id={`panel-${view}`} aria-labelledby={`tab-${view}`}>
          <CurrentView view={view} />
        </div>
      </main>
      <Toasts />
    </div>
  );
}
