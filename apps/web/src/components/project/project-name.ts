/**
 * The project name rule of the API (apps/api/src/projects/project-name.ts), mirrored so the form can
 * say what is wrong while the user types: one repository path component, 2-64 characters, lowercase
 * letters and digits separated by ".", "_", "__" or dashes. The server checks again.
 */
export const PROJECT_NAME = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
export const PROJECT_NAME_MIN = 2;
export const PROJECT_NAME_MAX = 64;

export type ProjectNameProblem = 'required' | 'uppercase' | 'characters' | 'tooShort' | 'tooLong' | 'separators';

/** What is wrong with `name`, most useful first; null when the API will accept it. */
export function projectNameProblem(name: string): ProjectNameProblem | null {
  if (name.length === 0) return 'required';
  if (/[A-Z]/.test(name)) return 'uppercase';
  if (/[^a-z0-9._-]/.test(name)) return 'characters';
  if (name.length < PROJECT_NAME_MIN) return 'tooShort';
  if (name.length > PROJECT_NAME_MAX) return 'tooLong';
  if (!PROJECT_NAME.test(name)) return 'separators';
  return null;
}
