import type { NextFunction, Request, Response } from 'express';
import { errorEnvelope, OciErrors } from '@berth/oci';
import { DomainError } from '../common/domain-error';
import { TextIssue, unstorableTextProblem, printable } from '../common/storable-text';
import { sendApiError } from './json-body';

/**
 * The one place every path parameter and query string passes, before any route: a NUL (`%00`) or a lone
 * surrogate in either answers 400 here, for the console in its error shape and for /v2 in the OCI envelope,
 * instead of failing inside PostgreSQL as a 500. (/v2 paths are left to the registry router, whose name,
 * digest and tag grammars already refuse such characters with the spec's codes.) Malformed percent-encoding
 * is left to the routes too: Express answers it with 400.
 */
export function rejectUnstorableUrl(req: Request, res: Response, next: NextFunction): void {
  const url = req.url ?? '';
  const mark = url.indexOf('?');
  const path = mark === -1 ? url : url.slice(0, mark);
  const registry = path === '/v2' || path.startsWith('/v2/');
  const issues: TextIssue[] = registry ? [] : pathIssues(path);
  const inPath = issues.length > 0;
  if (mark !== -1) issues.push(...queryIssues(url.slice(mark + 1)));
  if (issues.length === 0) return next();
  const where = inPath ? 'path' : 'query';
  if (registry) {
    const [first] = issues;
    const error = OciErrors.unsupported(`invalid query parameter ${first.path}: ${first.message}`, { parameter: first.path }, { status: 400 });
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    return void res.status(error.status).json(errorEnvelope(error));
  }
  sendApiError(DomainError.invalid(`invalid ${where}`, { issues }), req, res);
}

function pathIssues(path: string): TextIssue[] {
  if (!path.includes('%')) return [];
  const issues: TextIssue[] = [];
  for (const segment of path.split('/')) {
    const decoded = decode(segment);
    const problem = decoded === undefined ? undefined : unstorableTextProblem(decoded);
    if (problem) issues.push({ path: 'path', message: `segment "${printable(decoded!)}" ${problem}` });
  }
  return issues;
}

function queryIssues(query: string): TextIssue[] {
  if (!query.includes('%')) return [];
  const issues: TextIssue[] = [];
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    const key = decode(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? '' : decode(pair.slice(eq + 1));
    if (key === undefined || value === undefined) continue;
    const keyProblem = unstorableTextProblem(key);
    if (keyProblem) issues.push({ path: printable(key), message: `names a parameter that ${keyProblem}` });
    const problem = unstorableTextProblem(value);
    if (problem) issues.push({ path: printable(key), message: problem });
  }
  return issues;
}

/** Decoded as the query parser and the router decode; undefined for malformed encoding, which they handle. */
function decode(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}
