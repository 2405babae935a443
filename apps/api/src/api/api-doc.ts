import { SetMetadata } from '@nestjs/common';
import type { z } from 'zod';

export const API_DOC = 'berth:api-doc';

export interface ApiDocOptions {
  /** One line for the OpenAPI document and the explorer. */
  summary: string;
  /** The response body's schema, where the code has one; without it the document says "an object". */
  response?: z.ZodType;
}

/** What a console route is for, in the OpenAPI document (GET /api/v1/openapi.json). Describes; never validates. */
export const ApiDoc = (options: ApiDocOptions) => SetMetadata<string, ApiDocOptions>(API_DOC, options);
