#!/usr/bin/env node
// `npm run web:size`: the gzipped size of every JavaScript chunk of the built console (apps/web/dist,
// made by `npm run build:web`), and the JavaScript the first page (/) loads: index.html's entry script
// with everything it imports statically (what it preloads), and then the home page's own lazy chunk with
// its static imports. Fails when the first page's JavaScript is over the budget (300 kB gzipped).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const BUDGET_KB = 300;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'apps/web/dist');
const assets = path.join(dist, 'assets');

if (!existsSync(path.join(dist, 'index.html'))) {
  console.error(`${path.relative(root, dist)}/index.html is missing: build the console first (npm run build:web).`);
  process.exit(1);
}

const kB = (bytes) => `${(bytes / 1000).toFixed(1)} kB`;
const sizes = new Map();
/** Raw and gzipped (level 9, as Vite reports) bytes of an asset, by its file name. */
function size(file) {
  if (!sizes.has(file)) {
    const bytes = readFileSync(path.join(assets, file));
    sizes.set(file, { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length });
  }
  return sizes.get(file);
}

/** Files a chunk imports statically (`import … from "./x.js"`, `export … from`, bare `import "./x.js"`); `import("./x.js")` is lazy and left out. */
function staticImports(file) {
  const code = readFileSync(path.join(assets, file), 'utf8');
  const found = new Set();
  for (const match of code.matchAll(/\b(?:import|export)\s*(?:[\w$*{},\s]*?\bfrom\s*)?["'](\.{1,2}\/[^"']+\.js)["']/g)) {
    found.add(path.posix.basename(match[1]));
  }
  return [...found];
}

/** A chunk and everything it pulls in statically, transitively. */
function closure(start, seen = new Set()) {
  for (const file of start) {
    if (seen.has(file)) continue;
    seen.add(file);
    closure(staticImports(file), seen);
  }
  return seen;
}

const html = readFileSync(path.join(dist, 'index.html'), 'utf8');
const named = (pattern) => [...html.matchAll(pattern)].map((m) => path.posix.basename(m[1]));
const entries = named(/<script[^>]+type="module"[^>]+src="\/assets\/([^"]+\.js)"/g);
const preloads = named(/<link[^>]+rel="modulepreload"[^>]+href="\/assets\/([^"]+\.js)"/g);
if (entries.length === 0) {
  console.error('index.html names no module script under /assets/: is this a Vite build?');
  process.exit(1);
}
const firstPage = closure([...entries, ...preloads]);
const home = readdirSync(assets).filter((f) => /^HomePage-[\w-]+\.js$/.test(f));
const homePage = new Set([...closure(home)].filter((f) => !firstPage.has(f)));

const chunks = readdirSync(assets)
  .filter((f) => f.endsWith('.js'))
  .map((file) => ({ file, ...size(file) }))
  .sort((a, b) => b.gzip - a.gzip);
const width = Math.max(...chunks.map((c) => c.file.length), 10);
console.log(`${'chunk'.padEnd(width)}  ${'raw'.padStart(10)}  ${'gzip'.padStart(10)}  first page`);
for (const c of chunks) {
  const mark = firstPage.has(c.file) ? 'entry' : homePage.has(c.file) ? 'home route' : '';
  console.log(`${c.file.padEnd(width)}  ${kB(c.raw).padStart(10)}  ${kB(c.gzip).padStart(10)}  ${mark}`);
}
const sum = (files, kind = 'gzip') => [...files].reduce((total, f) => total + size(f)[kind], 0);
const css = readdirSync(assets).filter((f) => f.endsWith('.css'));
const entryCss = named(/<link[^>]+rel="stylesheet"[^>]+href="\/assets\/([^"]+\.css)"/g);
const allJs = chunks.reduce((total, c) => total + c.gzip, 0);
const entryJs = sum(firstPage);
const withHome = entryJs + sum(homePage);

console.log('');
console.log(`All JavaScript: ${chunks.length} chunks, ${kB(allJs)} gzipped; CSS: ${css.length} files, ${kB(css.reduce((t, f) => t + size(f).gzip, 0))} gzipped.`);
console.log(`First page (/): entry ${entries.join(', ')} and ${firstPage.size - entries.length} static imports: ${kB(entryJs)} gzipped JavaScript` + ` (+ ${kB(sum(entryCss))} CSS).`);
console.log(`  with the home page's lazy chunk (${home.join(', ') || 'none found'}) and its imports: ${kB(withHome)} gzipped JavaScript (${kB(sum(firstPage, 'raw') + sum(homePage, 'raw'))} uncompressed).`);
if (entryJs > BUDGET_KB * 1000) {
  console.error(`The first page loads ${kB(entryJs)} of gzipped JavaScript: over the budget of ${BUDGET_KB} kB.`);
  process.exit(1);
}
console.log(`Within the budget of ${BUDGET_KB} kB gzipped.`);
