/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

export default defineConfig({
  plugins: [react()],
  // Tauri serves ui/dist from its own origin; relative paths work everywhere
  base: "./",
  clearScreen: false,
  server: { host: "127.0.0.1", port: 1420, strictPort: true },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2021",
    // no inline <script>/<style>: the app's CSP is script-src 'self'; style-src 'self'
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test/setup.ts"],
    // A guard against a hang, not a speed check: on a shared, loaded
    // machine a 120-item render took over vitest's default 5 s.
    testTimeout: 30_000,
    restoreMocks: true,
  },
});
