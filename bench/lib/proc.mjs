// Process memory from /proc (Linux only).
import fs from 'node:fs';

const KIB = 1024;

/** VmRSS and VmHWM of `pid` in bytes, or undefined if the process is gone. */
export function readMemory(pid) {
  let text;
  try {
    text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const field = (name) => {
    const m = text.match(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm'));
    return m ? Number(m[1]) * KIB : undefined;
  };
  return { rss: field('VmRSS'), hwm: field('VmHWM') };
}

function parentOf(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: parse after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(rest[1]);
  } catch {
    return undefined;
  }
}

/** All live descendants of `pid` (children, grandchildren, ...). */
export function descendantsOf(pid) {
  const children = new Map();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const ppid = parentOf(name);
    if (ppid === undefined) continue;
    if (!children.has(ppid)) children.set(ppid, []);
    children.get(ppid).push(Number(name));
  }
  const out = [];
  const queue = [pid];
  for (let i = 0; i < queue.length && i < 10_000; i++) {
    for (const child of children.get(queue[i]) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/** Sum of VmRSS over `pid` and its descendants (shared pages are counted once per process). */
export function treeRss(pid) {
  let total = readMemory(pid)?.rss ?? 0;
  for (const child of descendantsOf(pid)) total += readMemory(child)?.rss ?? 0;
  return total;
}

export function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Samples RSS every `intervalMs` until stop() is called; returns the maxima. */
export function startRssSampler(pid, intervalMs = 100) {
  let maxRss = 0;
  let maxTreeRss = 0;
  let samples = 0;
  const sample = () => {
    const mem = readMemory(pid);
    if (!mem) return;
    samples++;
    maxRss = Math.max(maxRss, mem.rss ?? 0);
    maxTreeRss = Math.max(maxTreeRss, treeRss(pid));
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { maxRss, maxTreeRss, samples };
    },
  };
}
