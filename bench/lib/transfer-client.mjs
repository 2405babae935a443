// The transfer benchmark's client side: an archive streamed to the import API, the job polled to its end,
// an export streamed to a file, and timed external commands. Node built-ins only.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { pipeline } from 'node:stream/promises';

const now = () => performance.now();

/** POST …/imports with the file as the body (1 MiB reads, Content-Length); resolves once the 202 is read. */
export function uploadArchive(origin, basic, project, file) {
  const size = fs.statSync(file).size;
  return new Promise((resolve, reject) => {
    const req = http.request(`${origin}/api/v1/projects/${project}/imports`, {
      method: 'POST',
      headers: { Authorization: basic, 'Content-Type': 'application/x-tar', 'Content-Length': String(size) },
    });
    req.on('response', (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 202) reject(new Error(`import answered ${res.statusCode}: ${text}`));
        else resolve(JSON.parse(text));
      });
    });
    req.on('error', reject);
    fs.createReadStream(file, { highWaterMark: 1024 * 1024 }).pipe(req);
  });
}

export async function getJson(origin, basic, route) {
  const res = await fetch(`${origin}/api/v1${route}`, { headers: { Authorization: basic } });
  const body = await res.json();
  if (!res.ok) throw new Error(`GET ${route}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** Polls the job every `pollMs` until it is succeeded, failed or awaiting_names. */
export async function waitForJob(origin, basic, project, job, { pollMs = 100, timeoutMs = 30 * 60_000, onPoll } = {}) {
  const deadline = Date.now() + timeoutMs;
  while (!['succeeded', 'failed', 'awaiting_names'].includes(job.status)) {
    if (Date.now() > deadline) throw new Error(`import ${job.id} still ${job.status} after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, pollMs));
    job = await getJson(origin, basic, `/projects/${project}/imports/${job.id}`);
    onPoll?.(job);
  }
  return job;
}

/** POST /api/v1/exports streamed into `file`; returns bytes written and the archive format. */
export function exportToFile(origin, basic, references, file, format) {
  const body = JSON.stringify({ references, ...(format ? { format } : {}) });
  return new Promise((resolve, reject) => {
    const req = http.request(`${origin}/api/v1/exports`, {
      method: 'POST',
      headers: { Authorization: basic, 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => reject(new Error(`export answered ${res.statusCode}: ${Buffer.concat(chunks).toString('utf8')}`)));
        return;
      }
      let bytes = 0;
      res.on('data', (c) => (bytes += c.length));
      pipeline(res, fs.createWriteStream(file)).then(() => resolve({ bytes, format: res.headers['x-berth-archive-format'] }), reject);
    });
    req.end(body);
  });
}

/** Runs a command; resolves with its wall time in seconds, rejects with its stderr. */
export function timed(command, args, timeoutMs = 30 * 60_000) {
  const t0 = now();
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`${command} ${args.join(' ')}: ${err.message}\n${stderr}`));
      else resolve((now() - t0) / 1000);
    });
  });
}

/** Total size of the regular files under `dir`. */
export function dirBytes(dir) {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += fs.statSync(`${entry.parentPath ?? entry.path}/${entry.name}`).size;
  }
  return total;
}

export { now };
