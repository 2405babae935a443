import { applyDecorators, Controller, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiExceptionFilter } from './api-exception.filter';
import { ConsoleAuthGuard } from './console-auth.guard';
import { ConsoleResponseInterceptor } from './console-response.interceptor';

export const API_PREFIX = 'api/v1';

/**
 * A console API controller under /api/v1, with the console's error shape, authentication (a module using
 * this imports ConsoleAuthModule), no-store caching and list headers. Routes need a logged-in user unless
 * marked @Public(); @AdminOnly() narrows them to system administrators.
 */
export function ConsoleController(path: string): ClassDecorator {
  return applyDecorators(
    Controller(path ? `${API_PREFIX}/${path}` : API_PREFIX),
    UseFilters(ApiExceptionFilter),
    UseGuards(ConsoleAuthGuard),
    UseInterceptors(ConsoleResponseInterceptor),
  );
}
