// React: this is a test environment that wraps updates in act()
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

import { cleanup } from "@testing-library/react";
import { clearMocks } from "@tauri-apps/api/mocks";
import { afterEach } from "vitest";
import { immediate, setDefaultSchedule } from "../provider/store";

// Renders follow each dispatch at once, so that a test reads the screen right
// after an event; the store's own test covers the frame throttle.
setDefaultSchedule(() => immediate);

afterEach(() => {
  cleanup();
  clearMocks();
});

// jsdom has no CSS.escape (useFocusTarget finds the item it scrolls to with it).
const css = globalThis as { CSS?: { escape?: (s: string) => string } };
if (typeof css.CSS?.escape !== "function") {
  css.CSS = { ...css.CSS, escape: (s: string) => s.replace(/[^a-zA-Z0-9_-]/g, (c) => `\\${c}`) };
}
