import { DomainError } from '../common/domain-error';

/**
 * A project is the first path component of its repositories' names, so its name follows the OCI
 * grammar of one component (lowercase alphanumerics, separated by ".", "_", "__" or dashes), 2-64 long.
 */
export const PROJECT_NAME = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
export const PROJECT_NAME_MIN = 2;
export const PROJECT_NAME_MAX = 64;
export const PROJECT_NAME_RULE = `2-64 lowercase letters and digits, separated by ".", "_", "__" or "-" (one repository path component)`;

export function isValidProjectName(name: string): boolean {
  return name.length >= PROJECT_NAME_MIN && name.length <= PROJECT_NAME_MAX && PROJECT_NAME.test(name);
}

export function assertProjectName(name: string): void {
  if (!isValidProjectName(name)) throw DomainError.invalid(`project names are ${PROJECT_NAME_RULE}`, { field: 'name' });
}
