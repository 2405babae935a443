#!/usr/bin/env node
/**
 * Writes hand-built image archives for the import tests into a directory (not committed: tests run this
 * into a temp dir). Deterministic: the same bytes on every run. Real layer tarballs are made here with a
 * small ustar writer, so nothing depends on a daemon or on the host's tar.
 *
 *   node scripts/make-archive-fixtures.mjs <out-dir>
 *
 * Good archives:
 *   classic.tar   `docker save` before Docker 25: manifest.json, repositories, <id>/{VERSION,json,layer.tar},
 *                 <config hex>.json; two images, the second reusing the first's base layer through a symlink
 *                 <id>/layer.tar -> ../<id>/layer.tar (as docker writes repeated layers), with two tags.
 *   hybrid.tar    `docker save` of Docker 25+: the same manifest.json pointing into blobs/sha256/, plus
 *                 oci-layout and index.json; one uncompressed and one gzip-compressed layer.
 *   unnamed.tar   classic layout, no RepoTags and an empty repositories file (`docker save <image id>`).
 *   oci-plain.tar an OCI image layout whose one image has an uncompressed layer and no name.
 * Bad archives (each must fail the import with a specific message and import nothing):
 *   bad-absolute.tar, bad-traversal.tar, bad-symlink.tar, bad-hardlink.tar, bad-device.tar,
 *   bad-duplicate.tar, bad-missing-blob.tar, bad-digest.tar, bad-diffids.tar, bad-nested-config.tar,
 *   bad-inner-archive.tar, bad-no-manifest.tar.
 * Also writes fixtures.json: per good archive, its images' config digests, diff IDs and a file per layer,
 * for tests to compare what they pull back with.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const EPOCH = 1700000000;

// ---- a minimal ustar writer ---------------------------------------------------------------------

/** One tar member: header block(s) and data padded to 512. `type`: '0' file, '1' hard link, '2' symlink, '3' char device, '5' directory. */
function entry({ name, data = Buffer.alloc(0), type = '0', linkname = '', mode = type === '5' ? 0o755 : 0o644 }) {
  const body = Buffer.isBuffer(data) ? data : Buffer.from(data);
  const header = Buffer.alloc(512);
  let prefix = '';
  let base = name;
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', 155);
    if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100) throw new Error(`name too long for ustar: ${name}`);
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
  }
  header.write(base, 0, 100, 'utf8');
  header.write(octal(mode, 8), 100);
  header.write(octal(0, 8), 108);
  header.write(octal(0, 8), 116);
  header.write(octal(type === '0' ? body.length : 0, 12), 124);
  header.write(octal(EPOCH, 12), 136);
  header.fill(0x20, 148, 156);
  header.write(type, 156);
  header.write(linkname, 157, 100, 'utf8');
  header.write('ustar\u000000', 257, 8, 'latin1');
  header.write('root', 265);
  header.write('root', 297);
  header.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'latin1');
  const data512 = type === '0' ? Buffer.concat([body, Buffer.alloc((512 - (body.length % 512)) % 512)]) : Buffer.alloc(0);
  return Buffer.concat([header, data512]);
}

function octal(value, width) {
  return `${value.toString(8).padStart(width - 1, '0')}\u0000`;
}

function tarball(entries) {
  return Buffer.concat([...entries.map(entry), Buffer.alloc(1024)]);
}

const json = (value) => Buffer.from(JSON.stringify(value));
const gzip = (bytes) => zlib.gzipSync(bytes, { level: 9 });

// ---- layers and images --------------------------------------------------------------------------

/** A layer: an uncompressed tar holding `files` (path -> content), with their directories. */
function layer(files) {
  const dirs = new Set();
  for (const file of Object.keys(files)) {
    const parts = file.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  const tar = tarball([...[...dirs].sort().map((d) => ({ name: `${d}/`, type: '5' })), ...Object.entries(files).map(([name, data]) => ({ name, data, mode: 0o755 }))]);
  return { tar, diffId: `sha256:${sha256(tar)}`, files };
}

function config(layers, cmd) {
  return json({
    architecture: 'amd64',
    os: 'linux',
    created: '2024-01-01T00:00:00Z',
    config: { Cmd: cmd, Env: ['PATH=/usr/bin:/bin'] },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: layers.map((_, i) => ({ created: '2024-01-01T00:00:00Z', created_by: `fixture layer ${i + 1}` })),
  });
}

const base = layer({ 'etc/fixture-release': 'berth archive fixture\n' });
const app = layer({ 'usr/bin/fixture-app': '#!/bin/sh\necho classic\n' });
const tools = layer({ 'usr/bin/fixture-tools': '#!/bin/sh\necho tools\n' });
const hybridApp = layer({ 'usr/bin/fixture-hybrid': '#!/bin/sh\necho hybrid\n' });
const ociApp = layer({ 'usr/bin/fixture-oci': '#!/bin/sh\necho oci\n' });

/** Classic-layout v1 ids: any 64 hex, derived here from the chain so they are stable. */
const v1id = (...parts) => sha256(parts.join('/'));

/** The members of a classic `docker save`: per image, config + <id>/ dirs; repeated layers as symlinks. */
function classicMembers(images, { repositories = true } = {}) {
  const members = [];
  const manifest = [];
  const repos = {};
  const saved = new Map();
  for (const image of images) {
    const cfg = config(image.layers, image.cmd);
    const cfgHex = sha256(cfg);
    members.push({ name: `${cfgHex}.json`, data: cfg });
    const paths = [];
    let parent = '';
    for (const l of image.layers) {
      const id = v1id(parent, l.diffId, image.name ?? cfgHex);
      parent = id;
      members.push({ name: `${id}/`, type: '5' });
      members.push({ name: `${id}/VERSION`, data: '1.0' });
      members.push({ name: `${id}/json`, data: json({ id, ...(paths.length ? { parent: paths[paths.length - 1].split('/')[0] } : {}), created: '2024-01-01T00:00:00Z' }) });
      if (saved.has(l.diffId)) members.push({ name: `${id}/layer.tar`, type: '2', linkname: `../${saved.get(l.diffId)}/layer.tar` });
      else {
        members.push({ name: `${id}/layer.tar`, data: l.tar });
        saved.set(l.diffId, id);
      }
      paths.push(`${id}/layer.tar`);
    }
    manifest.push({ Config: `${cfgHex}.json`, RepoTags: image.tags ?? null, Layers: paths });
    for (const tag of image.tags ?? []) {
      const [repo, t] = [tag.slice(0, tag.lastIndexOf(':')), tag.slice(tag.lastIndexOf(':') + 1)];
      (repos[repo] ??= {})[t] = parent;
    }
  }
  members.push({ name: 'manifest.json', data: json(manifest) });
  if (repositories) members.push({ name: 'repositories', data: json(repos) });
  return members;
}

const classicImages = [
  { name: 'classic', layers: [base, app], cmd: ['/usr/bin/fixture-app'], tags: ['fixture/classic:1.0'] },
  { name: 'tools', layers: [base, tools], cmd: ['/usr/bin/fixture-tools'], tags: ['fixture/tools:1.0', 'fixture/tools:latest'] },
];

/** Docker 25+: blobs/sha256 + index.json + oci-layout + manifest.json; one layer stays a tar, one is gzip. */
function hybridMembers() {
  const layers = [base, hybridApp];
  const cfg = config(layers, ['/usr/bin/fixture-hybrid']);
  const gz = gzip(hybridApp.tar);
  const blobs = new Map([
    [sha256(base.tar), base.tar],
    [sha256(gz), gz],
    [sha256(cfg), cfg],
  ]);
  const manifest = json({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${sha256(cfg)}`, size: cfg.length },
    layers: [
      { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${sha256(base.tar)}`, size: base.tar.length },
      { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:${sha256(gz)}`, size: gz.length },
    ],
  });
  blobs.set(sha256(manifest), manifest);
  const index = json({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: `sha256:${sha256(manifest)}`,
        size: manifest.length,
        annotations: { 'io.containerd.image.name': 'docker.io/fixture/hybrid:2.0', 'org.opencontainers.image.ref.name': '2.0' },
      },
    ],
  });
  return {
    layers,
    cfg,
    members: [
      { name: 'blobs/', type: '5' },
      { name: 'blobs/sha256/', type: '5' },
      ...[...blobs].map(([hex, data]) => ({ name: `blobs/sha256/${hex}`, data })),
      { name: 'index.json', data: index },
      { name: 'manifest.json', data: json([{ Config: `blobs/sha256/${sha256(cfg)}`, RepoTags: ['fixture/hybrid:2.0'], Layers: [`blobs/sha256/${sha256(base.tar)}`, `blobs/sha256/${sha256(gz)}`] }]) },
      { name: 'oci-layout', data: json({ imageLayoutVersion: '1.0.0' }) },
      { name: 'repositories', data: json({ 'fixture/hybrid': { '2.0': sha256(gz) } }) },
    ],
  };
}

/** A plain OCI layout: one image, an uncompressed layer, no name in index.json. */
function ociPlainMembers() {
  const layers = [ociApp];
  const cfg = config(layers, ['/usr/bin/fixture-oci']);
  const manifest = json({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${sha256(cfg)}`, size: cfg.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${sha256(ociApp.tar)}`, size: ociApp.tar.length }],
  });
  const index = json({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${sha256(manifest)}`, size: manifest.length }] });
  return {
    layers,
    cfg,
    manifest,
    members: [
      { name: 'oci-layout', data: json({ imageLayoutVersion: '1.0.0' }) },
      { name: 'index.json', data: index },
      ...[cfg, ociApp.tar, manifest].map((data) => ({ name: `blobs/sha256/${sha256(data)}`, data })),
    ],
  };
}

// ---- write everything ---------------------------------------------------------------------------

const out = process.argv[2];
if (!out) {
  process.stderr.write('usage: node scripts/make-archive-fixtures.mjs <out-dir>\n');
  process.exit(2);
}
fs.mkdirSync(out, { recursive: true });
const write = (name, members) => fs.writeFileSync(path.join(out, name), tarball(members));
const describe = (images) =>
  images.map((image) => ({
    config: `sha256:${sha256(image.cfg)}`,
    diffIds: image.layers.map((l) => l.diffId),
    files: Object.assign({}, ...image.layers.map((l) => l.files)),
    tags: image.tags ?? [],
  }));

const classic = classicMembers(classicImages);
write('classic.tar', classic);
const hybrid = hybridMembers();
write('hybrid.tar', hybrid.members);
const unnamed = classicMembers([{ name: 'unnamed', layers: [base, app], cmd: ['/usr/bin/fixture-app'] }]);
write('unnamed.tar', unnamed);
const ociPlain = ociPlainMembers();
write('oci-plain.tar', ociPlain.members);

const layerMember = classic.find((m) => m.name.endsWith('/layer.tar') && m.type !== '2');
const layerId = layerMember.name.split('/')[0];
const manifestJson = classic.find((m) => m.name === 'manifest.json');
write('bad-absolute.tar', [{ name: '/manifest.json', data: manifestJson.data }, ...classic.filter((m) => m !== manifestJson)]);
write('bad-traversal.tar', [...classic, { name: `${layerId}/../../etc/cron.d/berth`, data: '* * * * * root true\n' }]);
write('bad-symlink.tar', [...classic.filter((m) => m !== layerMember), { name: layerMember.name, type: '2', linkname: '../../../../etc/passwd' }]);
write('bad-hardlink.tar', [...hybrid.members, { name: `blobs/sha256/${sha256('x')}`, type: '1', linkname: 'etc/shadow' }]);
write('bad-device.tar', [{ name: 'dev-null', type: '3' }, ...classic]);
write('bad-duplicate.tar', [...classic, manifestJson]);
write('bad-missing-blob.tar', classic.filter((m) => m !== layerMember));
{
  // The config keeps its name but not its content.
  const cfg = hybrid.members.find((m) => m.name === `blobs/sha256/${sha256(hybrid.cfg)}`);
  write('bad-digest.tar', hybrid.members.map((m) => (m === cfg ? { ...m, data: Buffer.from(cfg.data.toString().replace('fixture-hybrid', 'fixture-hybriD')) } : m)));
}
{
  // The config (named after its new content, so the digest check passes) lists the layers in the wrong order.
  const wrong = config([app, base], ['/usr/bin/fixture-app']);
  const members = classicMembers([{ name: 'diff', layers: [base, app], cmd: ['/usr/bin/fixture-app'], tags: ['fixture/diff:1.0'] }]);
  const cfgMember = members.find((m) => m.name.endsWith('.json') && !m.name.includes('/') && m.name !== 'manifest.json');
  const manifest = JSON.parse(members.find((m) => m.name === 'manifest.json').data);
  manifest[0].Config = `${sha256(wrong)}.json`;
  write('bad-diffids.tar', [
    ...members.filter((m) => m !== cfgMember && m.name !== 'manifest.json'),
    { name: `${sha256(wrong)}.json`, data: wrong },
    { name: 'manifest.json', data: json(manifest) },
  ]);
}
{
  // manifest.json's Config points at a .tar.gz (named after its digest) instead of a config document.
  const inner = gzip(tarball(classic));
  const manifest = JSON.parse(manifestJson.data);
  manifest[0].Config = `${sha256(inner)}.json`;
  write('bad-nested-config.tar', [...classic.filter((m) => m !== manifestJson), { name: `${sha256(inner)}.json`, data: inner }, { name: 'manifest.json', data: json(manifest) }]);
}
write('bad-inner-archive.tar', [{ name: 'classic.tar', data: tarball(classic) }]);
write('bad-no-manifest.tar', [{ name: `${sha256(app.tar)}.tar`, data: app.tar }]);

const facts = {
  'classic.tar': describe(classicImages.map((i) => ({ ...i, cfg: config(i.layers, i.cmd) }))),
  'hybrid.tar': describe([{ ...hybrid, tags: ['fixture/hybrid:2.0'] }]),
  'unnamed.tar': describe([{ layers: [base, app], cfg: config([base, app], ['/usr/bin/fixture-app']) }]),
  'oci-plain.tar': [{ ...describe([ociPlain])[0], manifest: `sha256:${sha256(ociPlain.manifest)}` }],
};
fs.writeFileSync(path.join(out, 'fixtures.json'), JSON.stringify(facts, null, 2));
process.stdout.write(`${Object.keys(facts).length} good and 12 bad archives in ${out}\n`);
