// What the console bench's registry contains, by number: project and repository names, who sees
// what, and the tags of each repository with the columns the server derives from a tag name.

/** Ten tags over eight manifests ("slots") per repository; slot 0 is the newest, the one `latest` names. */
const FAMILIES = [
  {
    // A Go service with alpine variants and a release candidate.
    bases: [[1, 2], [1, 10], [2, 4], [0, 9]],
    tags: ([M, m]) => [
      [`${M}.${m}.3`, 0], ['latest', 0], [`${M}.${m}`, 0], [`${M}.${m}.3-alpine3.19`, 1], [`${M}.${m}.2`, 2],
      [`${M}.${m}.2-alpine3.19`, 3], [`${M}.${m - 1}.7`, 4], [`${M}.${m - 1}.7-alpine3.18`, 5], [`${M + 1}.0.0-rc1`, 6], [`${M}.${m - 1}.0`, 7],
    ],
  },
  {
    // A redis-like server: Debian and alpine flavours, a pre-release with a variant (7.0-rc1-bullseye).
    bases: [[6, 2], [7, 4], [5, 2], [4, 8]],
    tags: ([M, m]) => [
      [`${M}.${m}.14`, 0], ['latest', 0], ['stable', 0], [`${M}.${m}.14-bullseye`, 1], [`${M}.${m}.14-alpine3.19`, 2],
      [`${M}.${m - 2}.20`, 3], [`${M}.${m - 2}.20-alpine3.18`, 4], [`${M + 1}.0-rc1-bullseye`, 5], [`${M - 1}.0.14`, 6], [`${M - 1}.0.14-bullseye`, 7],
    ],
  },
  {
    // A python-like runtime: slim-bookworm, alpine, bullseye, a beta.
    bases: [[3, 11], [3, 12], [2, 7], [1, 21]],
    tags: ([M, m]) => [
      [`${M}.${m}.1`, 0], ['latest', 0], [`${M}.${m}`, 0], [`${M}.${m}.1-slim-bookworm`, 1], [`${M}.${m - 1}.7`, 2],
      [`${M}.${m - 1}.7-slim-bookworm`, 3], [`${M}.${m - 1}.7-alpine3.19`, 4], [`${M}.${m - 2}.13-bullseye`, 5], [`${M}.${m + 1}.0-beta2`, 6], [`${M}.${m - 2}.13`, 7],
    ],
  },
  {
    // Calendar versions, a commit tag, v-prefixed versions and moving tags.
    bases: [[2024], [2025], [2023], [2022]],
    tags: ([Y]) => [
      [`${Y}.11.3`, 0], ['latest', 0], ['stable', 0], [`${Y}.10.1`, 1], [`${Y}.09.5`, 2],
      [`sha-${(0x1a2b3c4 + Y).toString(16)}`, 3], [`${Y}.08.0`, 4], [`v3.${Y - 2020}.1`, 5], [`v3.${Y - 2020}.0`, 6], ['main', 7],
    ],
  },
  {
    // A JDK image: multi-word variants and an early-access build.
    bases: [[17], [21], [11], [8]],
    tags: ([M]) => [
      [`${M}.0.9`, 0], ['latest', 0], [`${M}`, 0], [`${M}.0.9-jdk-focal`, 1], [`${M}.0.9-jre-alpine`, 2],
      [`${M}.0.8`, 3], [`${M}.0.8-jdk-focal`, 4], [`${M - 4}.0.21`, 5], [`${M - 4}.0.21-jre-alpine`, 6], [`${M + 1}-ea-12`, 7],
    ],
  },
];
const BASES_PER_FAMILY = 4;
export const TAGS_PER_REPOSITORY = 10;
const SLOTS = 8;

/**
 * Every tag scheme with the columns the server derives from a tag name when it writes one
 * (manifest.repository.ts tagColumns): sort_key, variant, moving, computed here by the same library.
 * A repository numbered n uses scheme (n % 5) * 4 + floor(n / 5) % 4.
 */
export function tagSchemes(oci) {
  const tags = { scheme: [], pos: [], name: [], slot: [], sortKey: [], variant: [], moving: [] };
  const slots = { scheme: [], slot: [], version: [] };
  FAMILIES.forEach((family, f) => {
    if (family.bases.length !== BASES_PER_FAMILY) throw new Error(`tag family ${f}: expected ${BASES_PER_FAMILY} bases`);
    family.bases.forEach((base, b) => {
      const scheme = f * BASES_PER_FAMILY + b;
      const list = family.tags(base);
      const names = new Set(list.map(([name]) => name));
      const used = new Set(list.map(([, slot]) => slot));
      if (list.length !== TAGS_PER_REPOSITORY || names.size !== list.length || used.size !== SLOTS) {
        throw new Error(`tag scheme ${scheme}: needs ${TAGS_PER_REPOSITORY} distinct tags over ${SLOTS} slots`);
      }
      list.forEach(([name, slot], pos) => {
        if (!oci.isValidTag(name)) throw new Error(`tag scheme ${scheme}: ${name} is not a valid tag`);
        const parsed = oci.parseTag(name);
        tags.scheme.push(scheme);
        tags.pos.push(pos);
        tags.name.push(name);
        tags.slot.push(slot);
        tags.sortKey.push(oci.tagSortKey(parsed));
        tags.variant.push(oci.variantKey(parsed));
        tags.moving.push(parsed.moving);
      });
      for (let slot = 0; slot < SLOTS; slot++) {
        // What the image says its version is: the first tag of the slot that is not a moving one, if any.
        const [name] = list.find(([n, s]) => s === slot && !oci.parseTag(n).moving) ?? list.find(([, s]) => s === slot);
        slots.scheme.push(scheme);
        slots.slot.push(slot);
        slots.version.push(name);
      }
    });
  });
  return { tags, slots, distinctNames: new Set(tags.name).size };
}

/** Every seeded repository's name, from its number: most are `projNNN/service-n`, every tenth is nested. */
export function repositoryName(n, projects) {
  const project = projectName(n % projects);
  return n % 10 === 7 ? `${project}/team/app-${n}` : `${project}/service-${n}`;
}

export function projectName(i) {
  return `proj${String(i).padStart(3, '0')}`;
}

/** Project i is private when i % 3 == 0; the non-admin member belongs to every project with i % 10 == 3 (4 private, 6 public). */
export const isPublicProject = (i) => i % 3 !== 0;
export const isMemberProject = (i) => i % 10 === 3;
/** Slot 0 (what `latest` names) is a two-platform image index in every third repository. */
export const hasIndex = (n) => n % 3 === 0;
