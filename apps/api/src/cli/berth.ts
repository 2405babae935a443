/**
 * `berth`: archive import and export against a running Berth server (docs/design/offline-transfer.md, CLI).
 * Node built-ins only, so it starts at once and needs nothing of the server's code at run time.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import type { ImportImage, ImportJob } from '../transfer/import.dto';
import { callJson, CliError, errorFor, serverFrom, transport, unreachable, urlOf, type Server } from './client';
import { formatBytes, Progress } from './progress';

const USAGE = `Usage:
  berth import <archive> --project <project> [--repository <repo>] [--tag <tag>] [--url <server>]
  berth export <project>/<repo>:<tag>|<project>/<repo>@<digest> [...] -o <file> [--format docker|oci] [--platform os/arch] [--url <server>]
  berth gc [--dry-run] [--delete-untagged] [--workers N] [--direct]   (garbage collection: berth gc --help)

import  uploads a docker save archive (classic or Docker 25+) or an OCI image layout tar, plain or gzip/zstd
        compressed, streaming it from disk, and follows the import job to its end. Images the archive
        names keep their names (under the project); --repository and --tag name those it does not
        (the tag defaults to the one the archive suggests, else latest). When the job still waits for
        names, they are applied to the unnamed images if --repository was given; otherwise it says so.
export  downloads the images as one archive (docker by default: docker load and skopeo docker-archive:
        read it; oci keeps blobs as stored and every platform of an index), written to <file> only once
        complete. --platform picks one platform of an image index.

Server: --url or BERTH_URL (default http://localhost:5000). Credentials: BERTH_USERNAME and BERTH_PASSWORD,
a user with their password or CLI secret, or a robot account with its secret (for CI:
BERTH_USERNAME='robot$team-a+ci' BERTH_PASSWORD=<secret>). Import needs push permission on the project,
export pull.
Progress goes to stderr; what was imported or written goes to stdout.
Exit status: 0 done, 1 the import job or the export failed (or the server is unreachable),
2 a usage, credentials or permission error.`;

const TERMINAL = new Set(['succeeded', 'failed', 'awaiting_names']);
const POLL_MS = 500;

interface Common {
  server: Server;
}
interface ImportArgs extends Common {
  file: string;
  project: string;
  repository?: string;
  tag?: string;
}
interface ExportArgs extends Common {
  references: string[];
  output: string;
  format?: 'docker' | 'oci';
  platform?: string;
}

type Parsed = { command: 'import'; args: ImportArgs } | { command: 'export'; args: ExportArgs } | { command: 'help' };

function parse(argv: string[]): Parsed {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        project: { type: 'string', short: 'p' },
        repository: { type: 'string', short: 'r' },
        tag: { type: 'string', short: 't' },
        output: { type: 'string', short: 'o' },
        format: { type: 'string' },
        platform: { type: 'string' },
        url: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw new CliError((err as Error).message, 2, true);
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || command === 'help') return { command: 'help' };
  if (command === undefined) throw new CliError('name a command: import, export or gc', 2, true);
  const refuse = (names: (keyof typeof values)[]) => {
    const given = names.filter((n) => values[n] !== undefined);
    if (given.length > 0) throw new CliError(`${given.map((n) => `--${n}`).join(', ')} do not apply to berth ${command}`, 2, true);
  };
  if (command === 'import') {
    refuse(['output', 'format', 'platform']);
    if (rest.length !== 1) throw new CliError(rest.length === 0 ? 'name the archive to import: berth import <archive> --project <project>' : `import takes one archive, not ${rest.length}`, 2, true);
    if (!values.project) throw new CliError('--project is required: the project the images go to', 2, true);
    const file = rest[0];
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      throw new CliError(`${file}: no such file`, 2, true);
    }
    if (!stat.isFile()) throw new CliError(`${file}: not a regular file`, 2, true);
    return { command, args: { server: serverFrom(values.url), file, project: values.project, repository: values.repository, tag: values.tag } };
  }
  if (command === 'export') {
    refuse(['project', 'repository', 'tag']);
    if (rest.length === 0) throw new CliError('name at least one image: <project>/<repo>:<tag> or <project>/<repo>@<digest>', 2, true);
    for (const ref of rest) {
      if (!/^[^/]+\/.+(:[^/:@]+|@[a-z0-9]+:[a-f0-9]+)$/.test(ref)) throw new CliError(`${JSON.stringify(ref)} is not <project>/<repo>:<tag> or <project>/<repo>@<digest>`, 2, true);
    }
    if (!values.output) throw new CliError('-o <file> is required: where to write the archive', 2, true);
    if (values.format !== undefined && values.format !== 'docker' && values.format !== 'oci') throw new CliError(`--format must be docker or oci, not ${JSON.stringify(values.format)}`, 2, true);
    if (values.platform !== undefined && !/^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/.test(values.platform)) throw new CliError(`--platform must be os/architecture[/variant] (e.g. linux/arm64), not ${JSON.stringify(values.platform)}`, 2, true);
    const dir = path.dirname(path.resolve(values.output));
    if (!fs.existsSync(dir)) throw new CliError(`${dir}: no such directory for -o`, 2, true);
    return {
      command,
      args: { server: serverFrom(values.url), references: rest, output: values.output, format: values.format as ExportArgs['format'], platform: values.platform },
    };
  }
  throw new CliError(`unknown command ${JSON.stringify(command)}: use import, export or gc`, 2, true);
}

// ---------------------------------------------------------------- import

/** Streams the file as the request body (never read whole) and returns the server's answer. */
function uploadArchive(args: ImportArgs, progress: Progress): Promise<{ status: number; text: string }> {
  const size = fs.statSync(args.file).size;
  const query = new URLSearchParams();
  if (args.repository) query.set('repository', args.repository);
  if (args.tag) query.set('tag', args.tag);
  const url = urlOf(args.server, `/projects/${encodeURIComponent(args.project)}/imports${query.size ? `?${query}` : ''}`);
  return new Promise((resolve, reject) => {
    let answered = false;
    let sent = 0;
    const source = fs.createReadStream(args.file, { highWaterMark: 1024 * 1024 });
    const req = transport(url).request(
      url,
      { method: 'POST', headers: { authorization: args.server.authorization, 'content-type': 'application/octet-stream', 'content-length': String(size) } },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          // The server may answer (a bad archive) before the whole file is sent: stop sending.
          source.destroy();
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    req.on('error', (err) => {
      if (!answered) reject(unreachable(args.server, { cause: err }));
    });
    source.on('data', (chunk) => {
      sent += chunk.length;
      progress.update('uploading', sent, size);
    });
    source.on('error', (err) => {
      req.destroy();
      reject(new CliError(`reading ${args.file}: ${err.message}`, 1));
    });
    source.pipe(req);
  });
}

function jobLine(job: ImportJob): string {
  const parts = [`images ${job.imagesDone}/${job.imagesTotal}`, `layers ${job.layersDone}/${job.layersTotal}`];
  if (job.format) parts.push(`${job.format}${job.compression && job.compression !== 'none' ? `+${job.compression}` : ''}`);
  return parts.join('  ');
}

async function getJob(args: ImportArgs, id: string): Promise<ImportJob> {
  const res = await callJson<ImportJob>(args.server, 'GET', `/projects/${encodeURIComponent(args.project)}/imports/${id}`);
  if (res.status !== 200) throw errorFor(`import ${id}`, res.status, res.text);
  return res.body;
}

async function follow(args: ImportArgs, job: ImportJob, progress: Progress): Promise<ImportJob> {
  while (!TERMINAL.has(job.status)) {
    progress.update(job.status, job.bytesRead, job.bytesTotal ?? undefined, jobLine(job));
    await new Promise((r) => setTimeout(r, POLL_MS));
    job = await getJob(args, job.id);
  }
  progress.update(job.status, job.bytesRead, job.bytesTotal ?? undefined, jobLine(job), true);
  progress.done();
  return job;
}

function describeUnnamed(images: ImportImage[]): string {
  return images
    .map((i) => `  image ${i.index}: ${i.kind} ${i.digest} (${i.platforms.join(', ') || 'no platform'})${i.suggestedTag ? `, suggested tag ${i.suggestedTag}` : ''}`)
    .join('\n');
}

/** Names the images still without a target with --repository/--tag; refuses when two would take one tag. */
async function applyNames(args: ImportArgs, job: ImportJob): Promise<ImportJob> {
  const unnamed = job.images.filter((i) => i.targets.length === 0);
  const hint = `import ${job.id} is waiting for names; ${unnamed.length} image(s) have none:\n${describeUnnamed(unnamed)}`;
  if (!args.repository) {
    throw new CliError(`${hint}\nrun again with --repository <repo> [--tag <tag>] (the upload is repeated), or name them in the console`, 2);
  }
  const names = unnamed.map((i) => ({ index: i.index, repository: args.repository!, tag: args.tag ?? i.suggestedTag ?? 'latest' }));
  const taken = new Set<string>();
  for (const n of names) {
    const key = `${n.repository}:${n.tag}`;
    if (taken.has(key)) throw new CliError(`${hint}\n--repository/--tag would give two of them the same name ${key}; name them in the console`, 2);
    taken.add(key);
  }
  process.stderr.write(`naming ${names.map((n) => `image ${n.index} ${n.repository}:${n.tag}`).join(', ')}\n`);
  const res = await callJson<ImportJob>(args.server, 'POST', `/projects/${encodeURIComponent(args.project)}/imports/${job.id}/names`, { images: names });
  if (res.status !== 202) throw errorFor(`naming the images of import ${job.id}`, res.status, res.text, res.status === 400 ? 2 : 1);
  return res.body;
}

async function runImport(args: ImportArgs): Promise<number> {
  const progress = new Progress();
  const answer = await uploadArchive(args, progress);
  progress.done();
  if (answer.status !== 202) {
    // 400: the query (--repository, --tag) is wrong; 404: no such project (or one the caller may not see).
    throw errorFor(`import into project ${args.project}`, answer.status, answer.text, answer.status === 400 || answer.status === 404 ? 2 : 1);
  }
  let job = JSON.parse(answer.text) as ImportJob;
  process.stderr.write(`import ${job.id}: ${job.status}\n`);
  job = await follow(args, job, progress);
  if (job.status === 'awaiting_names') job = await follow(args, await applyNames(args, job), progress);
  if (job.status === 'awaiting_names') throw new CliError(`import ${job.id} is still waiting for names:\n${describeUnnamed(job.images.filter((i) => i.targets.length === 0))}`, 2);
  if (job.status === 'failed') {
    process.stderr.write(`import ${job.id} failed: ${job.error ?? 'no reason given'}\n`);
    return 1;
  }
  for (const tag of job.result?.tags ?? []) process.stdout.write(`${tag.repository}:${tag.tag} ${tag.digest}\n`);
  for (const note of job.result?.notes ?? []) process.stderr.write(`note: ${note}\n`);
  process.stderr.write(`import ${job.id} succeeded: ${job.imagesDone} image(s), ${job.layersDone} layer(s), ${formatBytes(job.bytesRead)} read\n`);
  return 0;
}

// ---------------------------------------------------------------- export

/** Streams POST /exports into <file>.part, renamed to <file> once the archive ended as the server meant. */
async function runExport(args: ExportArgs): Promise<number> {
  const url = urlOf(args.server, '/exports');
  const body = JSON.stringify({ references: args.references, ...(args.format ? { format: args.format } : {}), ...(args.platform ? { platform: args.platform } : {}) });
  const partial = `${args.output}.part`;
  const progress = new Progress();
  const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
    const req = transport(url).request(url, {
      method: 'POST',
      headers: { authorization: args.server.authorization, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
    });
    req.on('response', resolve);
    req.on('error', (err) => reject(unreachable(args.server, { cause: err })));
    req.end(body);
  });
  if (res.statusCode !== 200) {
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    throw errorFor(`export of ${args.references.join(' ')}`, res.statusCode ?? 0, text, res.statusCode === 400 ? 2 : 1);
  }
  const length = Number(res.headers['content-length']);
  const total = Number.isSafeInteger(length) ? length : undefined;
  const format = res.headers['x-berth-archive-format'];
  let written = 0;
  res.on('data', (chunk: Buffer) => {
    written += chunk.length;
    progress.update('downloading', written, total, typeof format === 'string' ? format : '');
  });
  try {
    await pipeline(res, fs.createWriteStream(partial));
    if (total !== undefined && written !== total) throw new Error(`got ${written} of ${total} bytes`);
  } catch (err) {
    progress.done();
    fs.rmSync(partial, { force: true });
    process.stderr.write(`export failed after ${formatBytes(written)}: the server cut the archive off (${(err as Error).message}); nothing was written to ${args.output}\n`);
    return 1;
  }
  progress.update('downloaded', written, total, typeof format === 'string' ? format : '', true);
  progress.done();
  fs.renameSync(partial, args.output);
  process.stdout.write(`${args.output} ${written} bytes (${typeof format === 'string' ? format : 'archive'}): ${args.references.join(' ')}\n`);
  return 0;
}

// ---------------------------------------------------------------- main

export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  try {
    const parsed = parse(argv);
    if (parsed.command === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    return parsed.command === 'import' ? await runImport(parsed.args) : await runExport(parsed.args);
  } catch (err) {
    if (err instanceof CliError) {
      process.stderr.write(`\nberth: ${err.message}\n`);
      if (err.showUsage) process.stderr.write(`\n${USAGE}\n`);
      return err.exitCode;
    }
    process.stderr.write(`\nberth: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    () => process.exit(1),
  );
}
