import { SetMetadata } from '@nestjs/common';
import type { z } from 'zod';

export const API_DOC = 'berth:api-doc';

export interface ApiDocOptions {
  /** One line for the OpenAPI document and the explorer. */
  summary: string;
  /**
   * The response body's schema; without it the document says "an object". Export it from api/responses.ts
   * to make it a named component (a named type in the web client).
   */
  response?: z.ZodType;
  /** For a paged list: the schema of one item (the document wraps it in `Page`). */
  item?: z.ZodType;
  /** A route that answers bytes, not JSON (an archive download): their media type and what they are. */
  binary?: { mediaType: string; description: string };
  /** A route whose request body is streamed bytes, not JSON (an archive upload): the media types it takes and what the bytes are. */
  upload?: { mediaTypes: readonly string[]; description: string };
}

/** What a console route is for, in the OpenAPI document (GET /api/v1/openapi.json). Describes; never validates. */
export const ApiDoc = (options: ApiDocOptions) => SetMetadata<string, ApiDocOptions>(API_DOC, options);
