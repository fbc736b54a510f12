/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The API (fairedge run) listens on 127.0.0.1:8000; the dev server forwards /api and /health to it.
const api = process.env.FAIREDGE_API ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: {
      "/api": { target: api, changeOrigin: false },
      "/health": { target: api, changeOrigin: false },
    },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    // Route chunks are loaded on demand; the budget test reads this manifest for the first load.
    manifest: true,
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test/setup.ts"],
    css: false,
    // Two shared cores under load: generous, a hung test still fails.
    testTimeout: 20_000,
  },
});
