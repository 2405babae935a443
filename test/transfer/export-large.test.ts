/**
 * A large export (one ~200 MiB layer) streams without holding the layer in memory. The built server
 * (`dist/`, `npm run build:server`) runs as its own process, so its peak RSS (VmHWM, reset before each
 * download) is the server's alone: a layer or an archive kept whole would add 200 MiB or more.
 * Throughput is printed, not asserted (this machine is shared and noisy).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { basicAuth } from '../support/access';
import { initLayout, requireCommands, run, skopeo } from '../support/images';
import { BuiltServer, createDatabase, launchBuiltServer, requireBuiltServer, stopBuiltServer } from '../support/server-process';
import { TEST_ADMIN_PASSWORD } from '../support/test-berth';
import { buildLayeredImage, LayeredImage, readDirImage } from './export-fixtures';

const MiB = 1024 * 1024;
const LAYER_MIB = 200;
const ADMIN = { Authorization: basicAuth('admin', TEST_ADMIN_PASSWORD) };

/** Half random, half text: compresses about 2:1, as real layers roughly do. */
function layerContent(): Buffer {
  const text = Buffer.from('Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(Math.ceil(MiB / 57))).subarray(0, MiB);
  return Buffer.concat(Array.from({ length: LAYER_MIB }, (_, i) => (i % 2 ? randomBytes(MiB) : text)));
}

/** kB figures of /proc/<pid>/status: VmRSS now, VmHWM the peak since the last reset. */
async function memoryOf(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)![1]) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

describe('a large export', () => {
  let work: string;
  let source: string;
  let server: BuiltServer | undefined;
  let url: string;
  let host: string;
  let big: LayeredImage;
  /** The server's pid, for its /proc figures. */
  const pid = () => server!.child.pid!;

  beforeAll(async () => {
    requireBuiltServer();
    await requireCommands();
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-export-large-'));
    source = path.join(work, 'source');
    await initLayout(source);
    big = await buildLayeredImage(source, { ref: 'big', architecture: 'amd64', layers: [{ 'opt/big/data.bin': layerContent(), 'opt/big/README': 'a large layer\n' }] });
    server = await launchBuiltServer({ DATABASE_URL: await createDatabase('berth_test_large'), BERTH_DATA_DIR: path.join(work, 'data'), LOG_LEVEL: 'warn' });
    url = server.url;
    host = new URL(url).host;
    const created = await fetch(`${url}/api/v1/projects`, { method: 'POST', headers: { ...ADMIN, 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'team' }) });
    expect(created.status).toBe(201);
    await skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', `admin:${TEST_ADMIN_PASSWORD}`, `oci:${source}:big`, `docker://${host}/team/big:1.0`], { timeoutMs: 300_000 });
  }, 600_000);

  afterAll(async () => {
    if (server) await stopBuiltServer(server);
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  /**
   * Downloads with curl (a lighter client than fetch in this busy process: it shows what the server can
   * give) into `target`, with the server's peak RSS reset first (clear_refs 5), so `peak` is this download's.
   */
  async function measured(from: string, target: string) {
    await fs.writeFile(`/proc/${pid()}/clear_refs`, '5');
    const { rss: before } = await memoryOf(pid());
    const { stdout } = await run('curl', ['-sS', '-u', `admin:${TEST_ADMIN_PASSWORD}`, '-o', target, '-w', '%{http_code} %{size_download} %{time_total}', from], { timeoutMs: 300_000 });
    const { peak } = await memoryOf(pid());
    const [status, bytes, seconds] = stdout.toString('utf8').split(' ').map(Number);
    const hash = createHash('sha256');
    await pipeline(createReadStream(target), hash);
    return { status, bytes, seconds, before, peak, sha256: hash.digest('hex'), mibPerSecond: bytes / MiB / seconds };
  }

  it('streams a 200 MiB layer decompressed with flat memory, twice (the second time without the counting pass), and skopeo reads it back', async () => {
    const compressed = big.manifest.layers[0].size;
    const blob = await measured(`${url}/v2/team/big/blobs/${big.manifest.layers[0].digest}`, path.join(work, 'blob'));
    const archive = `${url}/api/v1/projects/team/repositories/big/-/artifacts/1.0/archive`;
    const cold = await measured(archive, path.join(work, 'cold.tar'));
    const warm = await measured(archive, path.join(work, 'warm.tar'));
    const skopeoStart = process.hrtime.bigint();
    await skopeo(['copy', `oci:${source}:big`, `dir:${path.join(work, 'skopeo-dir')}`], { timeoutMs: 300_000 });
    const skopeoSeconds = Number(process.hrtime.bigint() - skopeoStart) / 1e9;
    const line = (name: string, m: Awaited<ReturnType<typeof measured>>) =>
      `${name}: ${(m.bytes / MiB).toFixed(0)} MiB in ${m.seconds.toFixed(2)} s = ${m.mibPerSecond.toFixed(0)} MiB/s; server RSS ${(m.before / MiB).toFixed(0)} MiB before, peak ${(m.peak / MiB).toFixed(0)} MiB during (+${((m.peak - m.before) / MiB).toFixed(0)})`;
    console.log(
      [
        `layer: ${LAYER_MIB} MiB uncompressed, ${(compressed / MiB).toFixed(0)} MiB gzip`,
        line('plain blob GET (compressed)', blob),
        line('export, first (count + send)', cold),
        line('export, again (size remembered)', warm),
        `skopeo copy oci: -> dir: of the same image: ${skopeoSeconds.toFixed(2)} s`,
      ].join('\n'),
    );

    expect([blob.status, cold.status, warm.status]).toEqual([200, 200, 200]);
    expect(blob.bytes).toBe(compressed);
    expect(warm.sha256).toBe(cold.sha256);
    expect(cold.bytes).toBeGreaterThan(LAYER_MIB * MiB);
    // Holding the layer (200 MiB) or the archive in memory anywhere in the server would show here.
    expect(cold.peak - cold.before).toBeLessThan(100 * MiB);
    expect(warm.peak - warm.before).toBeLessThan(100 * MiB);

    const out = path.join(work, 'out');
    await skopeo(['copy', `docker-archive:${path.join(work, 'cold.tar')}`, `dir:${out}`], { timeoutMs: 300_000 });
    const read = await readDirImage(out);
    expect(read.configDigest).toBe(big.config.digest);
    expect(read.layerDigests).toEqual(big.config.diffIds);
  }, 600_000);
});
