import { z } from 'zod';
import { RepositorySelector, TagSelector } from './selector.dto';

/** At most this many immutability rules per project (Harbor's limit). */
export const MAX_IMMUTABLE_RULES = 15;

export const ImmutableRuleBody = z.strictObject({
  repositories: RepositorySelector.default({ include: ['**'], exclude: [] }),
  tags: TagSelector,
  disabled: z.boolean().default(false),
});
export type ImmutableRuleBody = z.output<typeof ImmutableRuleBody>;

const SelectorView = z.object({ include: z.array(z.string()), exclude: z.array(z.string()) });

/** A tag immutability rule: tags it matches, in repositories it matches, can be neither overwritten nor deleted. */
export const ImmutableRuleView = z.object({
  id: z.string(),
  /** Globs over repository names without the project (`app/web` in project `team`). */
  repositories: SelectorView,
  tags: SelectorView,
  disabled: z.boolean(),
  /** How messages name the rule: `rule 3: repositories "**", tags "v*.*.*"`. */
  description: z.string(),
  /** The username of whoever created the rule; null once unknown. */
  createdBy: z.string().nullable(),
  createdAt: z.date(),
});
export type ImmutableRuleView = z.output<typeof ImmutableRuleView>;
