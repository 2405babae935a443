import { Body, PipeTransform, Query } from '@nestjs/common';
import { z } from 'zod';
import { DomainError } from '../common/domain-error';
import { unstorableTextIssues } from '../common/storable-text';

export interface ValidationIssue {
  /** Dotted path into the body or query (`permissions.1`); empty for the whole value. */
  path: string;
  message: string;
}

export function zodIssues(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}

/**
 * The parsed value, or INVALID (400) with `details.issues` naming every problem. Every body and query the
 * console takes passes here, so strings PostgreSQL cannot store (NUL, lone surrogates) are refused here
 * once, whatever the schema says, before any of them can reach a query.
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what = 'request'): z.output<S> {
  const unstorable = unstorableTextIssues(value);
  if (unstorable.length > 0) throw DomainError.invalid(`invalid ${what}`, { issues: unstorable });
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw DomainError.invalid(`invalid ${what}`, { issues: zodIssues(parsed.error) });
}

export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(
    /** Read by the OpenAPI document (openapi.ts), which describes bodies and queries from these schemas. */
    readonly schema: S,
    readonly what: string,
  ) {}

  transform(value: unknown): z.output<S> {
    return parseOrThrow(this.schema, value, this.what);
  }
}

/** `@ValidBody(CreateProjectBody) body: CreateProjectBody`: the body, parsed by its schema. */
export const ValidBody = (schema: z.ZodType): ParameterDecorator => Body(new ZodValidationPipe(schema, 'request body'));

/** The query string, parsed by its schema. */
export const ValidQuery = (schema: z.ZodType): ParameterDecorator => Query(new ZodValidationPipe(schema, 'query'));
