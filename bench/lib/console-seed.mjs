// Seeds a Berth database straight through SQL for the console benchmark: projects, repositories,
// manifests (images and indexes), blobs, tags, members and stars, all set-based (generate_series and
// arrays), so 100,000 tags take seconds rather than 100,000 round trips.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { tagSchemes } from './console-catalog.mjs';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';

const MEMBER_ROLES = ['developer', 'maintainer', 'guest', 'project_admin', 'limited_guest'];

/**
 * The seeding statements, in order: a statement is its text, or [text, values]; a step's `params` go to
 * each of its statements that has none, cut to the highest `$n` it uses (pg refuses unused ones). Temp
 * tables (seed_*) live for the session (dropTemp ends them).
 */
function steps(scale, ids, schemes) {
  const { projects, repositories } = scale;
  return [
    {
      name: 'helpers',
      sql: [
        // Layer bytes never exist: digests and sizes only need to be stable and distinct.
        `CREATE FUNCTION pg_temp.fake_digest(key text) RETURNS text LANGUAGE sql IMMUTABLE
           AS $$ SELECT 'sha256:' || encode(sha256(convert_to(key, 'UTF8')), 'hex') $$`,
        `CREATE FUNCTION pg_temp.fake_size(key text, lo bigint, hi bigint) RETURNS bigint LANGUAGE sql IMMUTABLE
           AS $$ SELECT lo + abs(hashtext(key)::bigint) % (hi - lo) $$`,
        [
          `CREATE TEMP TABLE seed_scheme AS
             SELECT * FROM unnest($1::int[], $2::int[], $3::text[], $4::int[], $5::text[], $6::text[], $7::boolean[])
               AS t(scheme, pos, name, slot, sort_key, variant, moving)`,
          [schemes.tags.scheme, schemes.tags.pos, schemes.tags.name, schemes.tags.slot, schemes.tags.sortKey, schemes.tags.variant, schemes.tags.moving],
        ],
        [
          `CREATE TEMP TABLE seed_slot AS SELECT * FROM unnest($1::int[], $2::int[], $3::text[]) AS s(scheme, slot, version)`,
          [schemes.slots.scheme, schemes.slots.slot, schemes.slots.version],
        ],
      ],
    },
    {
      name: 'projects',
      sql: [
        `INSERT INTO project (name, public, description, badge, created_by, created_at, updated_at)
         SELECT format('proj%s', lpad(i::text, 3, '0')), i % 3 <> 0,
                format('Services of team %s: build images, base images and tools. Owned by the %s group.', i, CASE WHEN i % 2 = 0 THEN 'platform' ELSE 'product' END),
                CASE WHEN i % 10 = 0 THEN 'official' WHEN i % 10 = 5 THEN 'verified' END,
                $2::bigint, now() - make_interval(days => 400 + i), now() - make_interval(days => i)
         FROM generate_series(0, $1::int - 1) i`,
      ],
      params: [projects, ids.admin],
    },
    {
      name: 'repositories',
      sql: [
        `INSERT INTO repository (name, description, badge, created_at, pushed_at, pull_count, last_pulled_at)
         SELECT CASE WHEN n % 10 = 7 THEN format('proj%s/team/app-%s', lpad((n % $2)::text, 3, '0'), n)
                     ELSE format('proj%s/service-%s', lpad((n % $2)::text, 3, '0'), n) END,
                CASE WHEN n % 4 = 0
                  THEN format(E'# service %s\n\nThe %s service. Pull it with \`docker pull registry.example.com/proj%s/service-%s:latest\`.\n\n## Configuration\n\n%s',
                              n, CASE n % 3 WHEN 0 THEN 'billing' WHEN 1 THEN 'search' ELSE 'ingest' END, lpad((n % $2)::text, 3, '0'), n,
                              repeat(E'| variable | meaning |\n|---|---|\n| PORT | where it listens |\n', 20))
                  ELSE format('Service %s of project %s.', n, n % $2) END,
                CASE WHEN n % 97 = 0 THEN 'official' WHEN n % 89 = 0 THEN 'verified' END,
                now() - make_interval(mins => (n * 7919) % 525600 + 400 * 1440),
                now() - make_interval(mins => (n * 7919) % 525600),
                (1000000 / (1 + (n::bigint * 48271) % 10007)),
                CASE WHEN n % 5 <> 0 THEN now() - make_interval(mins => (n * 31) % 10000) END
         FROM generate_series(0, $1::int - 1) n`,
        `CREATE TEMP TABLE seed_repo AS
           SELECT r.id, r.name, (regexp_match(r.name, '-([0-9]+)$'))[1]::int AS n, r.pushed_at, r.pull_count
           FROM repository r WHERE r.name ~ '^proj[0-9]{3}/'`,
        `CREATE UNIQUE INDEX ON seed_repo (n)`,
      ],
      params: [repositories, projects],
    },
    {
      name: 'image configs',
      sql: [
        // One row per image manifest: the eight slots, and for index slots one image per platform.
        `CREATE TEMP TABLE seed_img AS
         WITH imgs AS (
           SELECT sr.id AS repository_id, sr.n, sr.name, s.slot, s.version, a.arch, a.child_pos,
                  (sr.n % 3 = 0 AND s.slot = 0) AS in_index,
                  sr.pushed_at - make_interval(days => s.slot * 9) AS pushed_at,
                  (sr.pull_count / (s.slot + 2)) AS pulls,
                  ARRAY['base/' || a.arch || '/' || (sr.n % 20),
                        'base/' || a.arch || '/' || (20 + (sr.n * 7) % 180),
                        'deps/' || sr.n || '/' || a.arch,
                        CASE WHEN s.slot < 4 THEN 'app-a/' ELSE 'app-b/' END || sr.n || '/' || a.arch] AS layer_keys
           FROM seed_repo sr
           JOIN seed_slot s ON s.scheme = (sr.n % 5) * 4 + (sr.n / 5) % 4
           CROSS JOIN (VALUES ('amd64', 0), ('arm64', 1)) a(arch, child_pos)
           WHERE a.child_pos = 0 OR (sr.n % 3 = 0 AND s.slot = 0)
         ), sized AS (
           SELECT i.*, to_char(i.pushed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created,
             ARRAY(SELECT pg_temp.fake_digest(k) FROM unnest(i.layer_keys) WITH ORDINALITY u(k, o) ORDER BY o) AS layer_digests,
             ARRAY(SELECT CASE WHEN k LIKE 'base/%' THEN pg_temp.fake_size(k, 2000000, 30000000)
                               WHEN k LIKE 'deps/%' THEN pg_temp.fake_size(k, 5000000, 80000000)
                               ELSE pg_temp.fake_size(k, 100000, 20000000) END
                   FROM unnest(i.layer_keys) WITH ORDINALITY u(k, o) ORDER BY o) AS layer_sizes
           FROM imgs i
         )
         SELECT s.*, convert_to(json_strip_nulls(json_build_object(
             'created', s.created, 'author', 'berth console bench',
             'architecture', s.arch, 'os', 'linux', 'variant', CASE WHEN s.arch = 'arm64' THEN 'v8' END,
             'config', json_build_object(
               'User', 'app',
               'Env', json_build_array('PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'APP_VERSION=' || s.version),
               'Entrypoint', json_build_array('/app/entrypoint.sh'),
               'Cmd', json_build_array('serve', '--port', '8080'),
               'ExposedPorts', json_build_object('8080/tcp', json_build_object()),
               'WorkingDir', '/app',
               'Labels', json_build_object('org.opencontainers.image.source', 'https://git.example.com/' || s.name,
                                           'org.opencontainers.image.version', s.version)),
             'rootfs', json_build_object('type', 'layers', 'diff_ids', to_json(s.layer_digests)),
             'history', json_build_array(
               json_build_object('created', s.created, 'created_by', '/bin/sh -c #(nop) ADD file:' || substr(s.layer_digests[1], 8, 16) || ' in / '),
               json_build_object('created', s.created, 'created_by', 'RUN /bin/sh -c apt-get update && apt-get install -y ca-certificates # buildkit'),
               json_build_object('created', s.created, 'created_by', 'COPY deps /app/deps # buildkit'),
               json_build_object('created', s.created, 'created_by', 'COPY app /app # buildkit'))
           ))::text, 'UTF8') AS config
         FROM sized s`,
      ],
    },
    {
      name: 'image manifests',
      sql: [
        `CREATE TEMP TABLE seed_manifest AS
         WITH c AS (
           SELECT i.*, 'sha256:' || encode(sha256(i.config), 'hex') AS config_digest, octet_length(i.config) AS config_size FROM seed_img i
         ), b AS (
           SELECT c.*, convert_to(json_build_object(
               'schemaVersion', 2, 'mediaType', '${OCI_MANIFEST}',
               'config', json_build_object('mediaType', '${OCI_CONFIG}', 'digest', c.config_digest, 'size', c.config_size),
               'layers', json_build_array(
                 json_build_object('mediaType', '${OCI_LAYER}', 'digest', c.layer_digests[1], 'size', c.layer_sizes[1]),
                 json_build_object('mediaType', '${OCI_LAYER}', 'digest', c.layer_digests[2], 'size', c.layer_sizes[2]),
                 json_build_object('mediaType', '${OCI_LAYER}', 'digest', c.layer_digests[3], 'size', c.layer_sizes[3]),
                 json_build_object('mediaType', '${OCI_LAYER}', 'digest', c.layer_digests[4], 'size', c.layer_sizes[4])),
               'annotations', json_build_object('org.opencontainers.image.created', c.created, 'org.opencontainers.image.version', c.version)
             )::text, 'UTF8') AS content
           FROM c
         )
         SELECT b.*, 'sha256:' || encode(sha256(b.content), 'hex') AS digest, octet_length(b.content) AS size,
                octet_length(b.content) + b.config_size + b.layer_sizes[1] + b.layer_sizes[2] + b.layer_sizes[3] + b.layer_sizes[4] AS total_size
         FROM b`,
        `DROP TABLE seed_img`,
        // Slot 0 of every third repository: an index over its amd64 and arm64 images.
        `CREATE TEMP TABLE seed_index AS
         WITH pairs AS (
           SELECT a.repository_id, a.n, a.version, a.created, a.pushed_at, a.pulls,
                  a.digest AS amd_digest, a.size AS amd_size, a.total_size AS amd_total,
                  r.digest AS arm_digest, r.size AS arm_size, r.total_size AS arm_total
           FROM seed_manifest a JOIN seed_manifest r ON r.repository_id = a.repository_id AND r.in_index AND r.child_pos = 1
           WHERE a.in_index AND a.child_pos = 0
         ), c AS (
           SELECT p.*, convert_to(json_build_object(
               'schemaVersion', 2, 'mediaType', '${OCI_INDEX}',
               'manifests', json_build_array(
                 json_build_object('mediaType', '${OCI_MANIFEST}', 'digest', p.amd_digest, 'size', p.amd_size,
                                   'platform', json_build_object('architecture', 'amd64', 'os', 'linux')),
                 json_build_object('mediaType', '${OCI_MANIFEST}', 'digest', p.arm_digest, 'size', p.arm_size,
                                   'platform', json_build_object('architecture', 'arm64', 'os', 'linux', 'variant', 'v8'))),
               'annotations', json_build_object('org.opencontainers.image.created', p.created, 'org.opencontainers.image.version', p.version)
             )::text, 'UTF8') AS content
           FROM pairs p
         )
         SELECT c.*, 'sha256:' || encode(sha256(c.content), 'hex') AS digest, octet_length(c.content) AS size,
                octet_length(c.content) + c.amd_total + c.arm_total AS total_size
         FROM c`,
      ],
    },
    {
      name: 'blobs',
      sql: [
        `INSERT INTO blob (digest, size, created_at)
         SELECT DISTINCT ON (digest) digest, size, created_at FROM (
           SELECT config_digest AS digest, config_size::bigint AS size, pushed_at AS created_at FROM seed_manifest
           UNION ALL
           SELECT u.d, u.s, m.pushed_at FROM seed_manifest m CROSS JOIN LATERAL unnest(m.layer_digests, m.layer_sizes) u(d, s)
         ) x ORDER BY digest, created_at`,
        `INSERT INTO repository_blob (repository_id, digest, created_at)
         SELECT m.repository_id, d, min(m.pushed_at)
         FROM seed_manifest m CROSS JOIN LATERAL unnest(array_prepend(m.config_digest, m.layer_digests)) d
         GROUP BY 1, 2`,
      ],
    },
    {
      name: 'manifests',
      sql: [
        // As the registry stores a push (manifest.service.ts): artifact_type is an image's config media type.
        `INSERT INTO manifest (repository_id, digest, media_type, artifact_type, kind, platform, size, total_size, config_digest,
                               annotations, content, pushed_at, pull_count, last_pulled_at)
         SELECT repository_id, digest, '${OCI_MANIFEST}', '${OCI_CONFIG}', 'image',
                jsonb_strip_nulls(jsonb_build_object('os', 'linux', 'architecture', arch, 'variant', CASE WHEN arch = 'arm64' THEN 'v8' END)),
                size, total_size, config_digest,
                jsonb_build_object('org.opencontainers.image.created', created, 'org.opencontainers.image.version', version),
                content, pushed_at, pulls, CASE WHEN pulls > 0 THEN pushed_at + interval '1 hour' END
         FROM seed_manifest
         UNION ALL
         SELECT repository_id, digest, '${OCI_INDEX}', NULL, 'index', NULL, size, total_size, NULL,
                jsonb_build_object('org.opencontainers.image.created', created, 'org.opencontainers.image.version', version),
                content, pushed_at, pulls, CASE WHEN pulls > 0 THEN pushed_at + interval '1 hour' END
         FROM seed_index`,
        `INSERT INTO manifest_blob (manifest_id, digest)
         SELECT mf.id, d
         FROM seed_manifest m JOIN manifest mf ON mf.repository_id = m.repository_id AND mf.digest = m.digest
         CROSS JOIN LATERAL unnest(array_prepend(m.config_digest, m.layer_digests)) d`,
        `INSERT INTO manifest_child (parent_id, position, child_digest, media_type, size, platform, is_attestation)
         SELECT mf.id, c.position, c.digest, '${OCI_MANIFEST}', c.size, c.platform, false
         FROM seed_index x JOIN manifest mf ON mf.repository_id = x.repository_id AND mf.digest = x.digest
         CROSS JOIN LATERAL (VALUES (0, x.amd_digest, x.amd_size, '{"architecture":"amd64","os":"linux"}'::jsonb),
                                    (1, x.arm_digest, x.arm_size, '{"architecture":"arm64","os":"linux","variant":"v8"}'::jsonb))
           AS c(position, digest, size, platform)`,
      ],
    },
    {
      name: 'tags',
      sql: [
        `CREATE TEMP TABLE seed_top AS
           SELECT m.repository_id, m.slot, mf.id AS manifest_id, m.pushed_at
           FROM seed_manifest m JOIN manifest mf ON mf.repository_id = m.repository_id AND mf.digest = m.digest
           WHERE NOT m.in_index
           UNION ALL
           SELECT x.repository_id, 0, mf.id, x.pushed_at
           FROM seed_index x JOIN manifest mf ON mf.repository_id = x.repository_id AND mf.digest = x.digest`,
        `INSERT INTO tag (repository_id, name, manifest_id, sort_key, variant, moving, pushed_at, pull_count, last_pulled_at)
         SELECT sr.id, sc.name, t.manifest_id, sc.sort_key, sc.variant, sc.moving, t.pushed_at,
                sr.pull_count / (sc.pos + 3), CASE WHEN sr.pull_count / (sc.pos + 3) > 0 THEN t.pushed_at + interval '2 hours' END
         FROM seed_repo sr
         JOIN seed_scheme sc ON sc.scheme = (sr.n % 5) * 4 + (sr.n / 5) % 4
         JOIN seed_top t ON t.repository_id = sr.id AND t.slot = sc.slot`,
      ],
    },
    {
      name: 'members and stars',
      sql: [
        [
          `INSERT INTO project_member (project_id, user_id, role)
           SELECT p.id, $1::bigint, 'project_admin' FROM project p WHERE p.name ~ '^proj[0-9]{3}$'`,
          [ids.admin],
        ],
        [
          `INSERT INTO project_member (project_id, user_id, role)
           SELECT p.id, $1::bigint, ($2::text[])[1 + (substr(p.name, 5)::int / 10) % array_length($2::text[], 1)]
           FROM project p WHERE p.name ~ '^proj[0-9]{3}$' AND substr(p.name, 5)::int % 10 = 3`,
          [ids.member, MEMBER_ROLES],
        ],
        // Users that star things; they never log in ('!' is no password hash).
        `INSERT INTO app_user (username, password_hash, display_name)
         SELECT format('bench-fan-%s', lpad(g::text, 3, '0')), '!', format('Fan %s', g) FROM generate_series(1, 200) g`,
        [
          `INSERT INTO project_member (project_id, user_id, role)
           SELECT DISTINCT p.id, u.id, 'guest'
           FROM app_user u CROSS JOIN generate_series(1, 2) j
           JOIN project p ON p.name = format('proj%s', lpad((abs(hashtext(u.username || '/' || j)) % $1::int)::text, 3, '0'))
           WHERE u.username LIKE 'bench-fan-%'`,
          [projects],
        ],
        // Popular repositories get most stars (a cube skews the pick towards low numbers).
        [
          `INSERT INTO repository_star (repository_id, user_id)
           SELECT DISTINCT sr.id, u.id
           FROM app_user u CROSS JOIN generate_series(1, 25) j
           JOIN seed_repo sr ON sr.n = floor($1::int * power((abs(hashtext(u.username || '#' || j)) % 100000) / 100000.0, 3))::int
           WHERE u.username LIKE 'bench-fan-%'`,
          [repositories],
        ],
        // The member stars five repositories in each of its projects; the admin twenty anywhere.
        [
          `INSERT INTO repository_star (repository_id, user_id)
           SELECT sr.id, $1::bigint FROM seed_repo sr WHERE (sr.n % $3::int) % 10 = 3 AND (sr.n / $3::int) % 20 = 0
           UNION ALL
           SELECT sr.id, $2::bigint FROM seed_repo sr WHERE sr.n % 500 = 11`,
          [ids.member, ids.admin, projects],
        ],
        `UPDATE repository r SET star_count = s.n
         FROM (SELECT repository_id, count(*)::int AS n FROM repository_star GROUP BY repository_id) s
         WHERE r.id = s.repository_id`,
      ],
    },
  ];
}

/** A statement's text and values: its own, or the step's cut to the highest `$n` it uses. */
function statementOf(statement, stepParams = []) {
  if (Array.isArray(statement)) return { text: statement[0], values: statement[1] };
  // `$$` quotes function bodies: only `$<digits>` is a parameter.
  const used = [...statement.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]));
  return { text: statement, values: stepParams.slice(0, used.length ? Math.max(...used) : 0) };
}

/**
 * Seeds in one transaction, then VACUUM ANALYZE (planner statistics and visibility maps, so autovacuum
 * does not start in the middle of a measurement) and a CHECKPOINT (so the seed's WAL is not written back
 * during one either). Returns per-step timings and row counts.
 */
export async function seed(client, { scale, ids, oci, log }) {
  const schemes = tagSchemes(oci);
  const timings = [];
  const t0 = performance.now();
  await client.query('SET synchronous_commit = off');
  await client.query(`SET work_mem = '256MB'`);
  await client.query('BEGIN');
  try {
    for (const step of steps(scale, ids, schemes)) {
      const s0 = performance.now();
      for (const statement of step.sql) {
        const { text, values } = statementOf(statement, step.params);
        await client.query(text, values);
      }
      timings.push({ step: step.name, seconds: (performance.now() - s0) / 1000 });
      log(`seed: ${step.name} (${timings.at(-1).seconds.toFixed(1)} s)`);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
  const insertSeconds = (performance.now() - t0) / 1000;
  const v0 = performance.now();
  await client.query('VACUUM (ANALYZE)');
  await client.query('CHECKPOINT');
  const vacuumSeconds = (performance.now() - v0) / 1000;
  log(`seed: VACUUM (ANALYZE) + CHECKPOINT (${vacuumSeconds.toFixed(1)} s)`);
  const counts = await countRows(client);
  return { insertSeconds, vacuumSeconds, totalSeconds: insertSeconds + vacuumSeconds, steps: timings, counts, distinctTagNames: schemes.distinctNames };
}

export async function countRows(client) {
  const tables = ['project', 'repository', 'manifest', 'manifest_child', 'blob', 'manifest_blob', 'repository_blob', 'tag', 'app_user', 'project_member', 'repository_star'];
  const { rows } = await client.query(`SELECT ${tables.map((t) => `(SELECT count(*)::int FROM ${t}) AS ${t}`).join(', ')}`);
  const sizes = await client.query(`SELECT pg_database_size(current_database())::float8 AS bytes`);
  return { ...rows[0], databaseBytes: sizes.rows[0].bytes };
}

/**
 * Writes the config blobs of the images `latest` names in `repositories` into Berth's storage (the
 * artifact detail page reads them from there; every other blob exists as a row only). Needs the
 * session's seed_manifest table, so it runs before dropTemp.
 */
export async function writeConfigBlobs(client, storageDir, repositories) {
  const { rows } = await client.query(
    `SELECT m.config_digest, m.config FROM seed_manifest m JOIN seed_repo sr ON sr.id = m.repository_id
     WHERE m.slot = 0 AND sr.name = ANY($1::text[])`,
    [repositories],
  );
  for (const row of rows) {
    const hex = row.config_digest.slice('sha256:'.length);
    if (crypto.createHash('sha256').update(row.config).digest('hex') !== hex) throw new Error(`config ${row.config_digest}: digest mismatch`);
    const dir = path.join(storageDir, 'blobs', 'sha256', hex.slice(0, 2), hex);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'data'), row.config);
  }
  return rows.length;
}

export async function dropTemp(client) {
  await client.query('DISCARD TEMP');
}
