import { globPatternProblem } from '@berth/oci';
import { z } from 'zod';

const MAX_PATTERNS = 32;

/** A glob: `*` stays within one path segment, `**` crosses `/`, `{a,b}` is either, `?` one character. */
const Pattern = z
  .string()
  .min(1)
  .max(255)
  .refine((p) => !/\p{Cc}/u.test(p), { message: 'must not contain control characters' })
  .superRefine((p, ctx) => {
    const problem = globPatternProblem(p);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const Patterns = z.array(Pattern).max(MAX_PATTERNS);

/** Which repositories (named without the project: `app/web` in project `team`) a rule applies to; every one unless said otherwise. */
export const RepositorySelector = z.strictObject({
  include: Patterns.min(1).default(['**']),
  exclude: Patterns.default([]),
});

/** Which tags a rule applies to. */
export const TagSelector = z.strictObject({
  include: Patterns.min(1),
  exclude: Patterns.default([]),
});
