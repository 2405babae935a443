type Translate = (key: string) => string;

/**
 * Descriptions Berth itself wrote (the `library` project the first migration creates), by their exact text:
 * shown in the reader's language until someone edits them; anything a person wrote is shown as written.
 */
const SEEDED: Readonly<Record<string, string>> = { 'Public images for everyone': 'projects.defaultDescription.library' };

export function projectDescription(description: string | null | undefined, t: Translate): string {
  if (!description) return '';
  const key = SEEDED[description];
  return key ? t(key) : description;
}
