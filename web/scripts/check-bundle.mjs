// The first-load budget: the JavaScript a browser fetches to show the home page (the entry chunk, the home
// route's chunk and every chunk they import statically; the other routes' chunks load on demand), gzipped,
// must stay under BUDGET_KB. Reads the build's manifest (vite build with build.manifest); exits 1 over it.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

export const BUDGET_KB = 300;
export const HOME_ROUTE = "src/routes/OpportunitiesRoute.tsx";

/** The files of the entry chunks, the home route's and their static imports, each once. */
export function initialChunks(manifest, home = HOME_ROUTE) {
  const files = new Set();
  const visit = (key) => {
    const chunk = manifest[key];
    if (!chunk || files.has(chunk.file)) return;
    files.add(chunk.file);
    for (const imported of chunk.imports ?? []) visit(imported);
  };
  for (const [key, chunk] of Object.entries(manifest)) if (chunk.isEntry) visit(key);
  if (!manifest[home]) throw new Error(`the home route ${home} is not a chunk of this build`);
  visit(home);
  return [...files].filter((file) => file.endsWith(".js"));
}

export function measure(dist) {
  const manifest = JSON.parse(readFileSync(join(dist, ".vite", "manifest.json"), "utf8"));
  const chunks = initialChunks(manifest).map((file) => ({
    file,
    gzipBytes: gzipSync(readFileSync(join(dist, file)), { level: 9 }).length,
  }));
  return { chunks, totalBytes: chunks.reduce((sum, c) => sum + c.gzipBytes, 0) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dist = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), "..", "dist");
  const { chunks, totalBytes } = measure(dist);
  if (chunks.length === 0) {
    console.error("bundle budget: no entry chunk in the manifest; was the app built?");
    process.exit(1);
  }
  for (const c of chunks) console.log(`  ${c.file}: ${(c.gzipBytes / 1024).toFixed(1)} kB gzipped`);
  const kb = totalBytes / 1024;
  console.log(`bundle budget: first load ${kb.toFixed(1)} kB of JavaScript gzipped (budget ${BUDGET_KB} kB)`);
  if (kb >= BUDGET_KB) {
    console.error("bundle budget exceeded: split the new code into a route chunk or drop a dependency");
    process.exit(1);
  }
}
