// Preloaded into the Berth that bench/console.mjs starts (NODE_OPTIONS=--require ...), and only when
// BERTH_BENCH_SQL_TAP_PORT is set: wraps pg's Client#query to count the statements Berth sends and time
// them, per measurement phase, and serves the figures as JSON on 127.0.0.1:<port>. It changes no
// query and no result; if anything here fails, Berth runs as if it were not loaded.
'use strict';

const http = require('node:http');

const MAX_DISTINCT_SLOW = 200;

function install(port, slowMs) {
  const pg = require('pg');
  let phase = newPhase('');

  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function tappedQuery(config, values, callback) {
    const text = typeof config === 'string' ? config : config && typeof config.text === 'string' && typeof config.submit !== 'function' ? config.text : undefined;
    if (text === undefined) return original.apply(this, arguments);
    const current = phase;
    current.statements += 1;
    const params = typeof config === 'string' ? (Array.isArray(values) ? values : undefined) : config.values;
    const started = process.hrtime.bigint();
    const done = () => record(current, text, params, Number(process.hrtime.bigint() - started) / 1e6, slowMs);
    const args = Array.prototype.slice.call(arguments);
    const cb = args.findIndex((a) => typeof a === 'function');
    if (cb >= 0) {
      const inner = args[cb];
      args[cb] = function tappedCallback() {
        done();
        return inner.apply(this, arguments);
      };
      return original.apply(this, args);
    }
    const result = original.apply(this, args);
    if (result && typeof result.then === 'function') result.then(done, done);
    return result;
  };

  // GET /phase?label=x: answers the phase that ends and starts `x`.
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (url.pathname !== '/phase') {
      res.writeHead(404).end();
      return;
    }
    const ended = phase;
    phase = newPhase(url.searchParams.get('label') ?? '');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(summary(ended)));
  });
  server.on('error', () => {});
  server.listen(port, '127.0.0.1');
  server.unref();
}

function newPhase(label) {
  return { label, statements: 0, totalMs: 0, slow: new Map() };
}

function record(phase, text, params, ms, slowMs) {
  phase.totalMs += ms;
  if (ms < slowMs) return;
  let entry = phase.slow.get(text);
  if (!entry) {
    if (phase.slow.size >= MAX_DISTINCT_SLOW) return;
    entry = { text, count: 0, totalMs: 0, maxMs: 0, params: undefined };
    phase.slow.set(text, entry);
  }
  entry.count += 1;
  entry.totalMs += ms;
  if (ms >= entry.maxMs) {
    entry.maxMs = ms;
    entry.params = jsonSafe(params);
  }
}

function jsonSafe(params) {
  if (!Array.isArray(params)) return [];
  try {
    return JSON.parse(JSON.stringify(params, (_, v) => (v && v.type === 'Buffer' && Array.isArray(v.data) ? null : typeof v === 'bigint' ? String(v) : v)));
  } catch {
    return null;
  }
}

function summary(phase) {
  return {
    label: phase.label,
    statements: phase.statements,
    statementMs: phase.totalMs,
    slow: [...phase.slow.values()].sort((a, b) => b.totalMs - a.totalMs),
  };
}

const port = Number(process.env.BERTH_BENCH_SQL_TAP_PORT);
if (Number.isInteger(port) && port > 0) {
  try {
    install(port, Number(process.env.BERTH_BENCH_SQL_TAP_SLOW_MS) || 20);
  } catch (err) {
    process.stderr.write(`console-sql-tap: not installed (${err.message})\n`);
  }
}
