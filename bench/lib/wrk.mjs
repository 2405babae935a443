// Runs wrk against one URL and parses its summary.
import { spawn } from 'node:child_process';

export function parseWrkOutput(text) {
  const num = (re) => {
    const m = text.match(re);
    return m ? Number(m[1]) : undefined;
  };
  const socket = text.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  const latency = text.match(/^\s*Latency\s+(\S+)\s+(\S+)\s+(\S+)/m);
  return {
    requestsPerSec: num(/Requests\/sec:\s+([\d.]+)/),
    requests: num(/(\d+) requests in /),
    non2xx: num(/Non-2xx or 3xx responses:\s+(\d+)/) ?? 0,
    socketErrors: socket
      ? { connect: +socket[1], read: +socket[2], write: +socket[3], timeout: +socket[4] }
      : { connect: 0, read: 0, write: 0, timeout: 0 },
    latencyAvg: latency?.[1],
    latencyMax: latency?.[3],
  };
}

/** One wrk run, killed if it overruns its duration by 30 s. */
export function runWrk(wrkBin, url, { threads, connections, seconds, headers = {} }) {
  if (!/^http:\/\/127\.0\.0\.1:\d+\//.test(url)) throw new Error(`refusing to load-test a non-loopback URL: ${url}`);
  const args = [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, '--timeout', '5s'];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  args.push(url);
  return new Promise((resolve, reject) => {
    const child = spawn(wrkBin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 30) * 1000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${wrkBin}: ${err.message}`));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const parsed = parseWrkOutput(out);
      if (code !== 0 || parsed.requestsPerSec === undefined) {
        reject(new Error(`wrk failed (code ${code}, signal ${signal}):\n${out}`));
      } else {
        resolve({ ...parsed, raw: out });
      }
    });
  });
}
