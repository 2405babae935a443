import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Response } from 'express';
import { map, Observable } from 'rxjs';
import { isPage } from './pagination';

/**
 * Console answers are per user, so no cache may keep them. Lists answer `{ items, total, page, pageSize }`
 * and repeat the total in `X-Total-Count` for generic clients.
 */
@Injectable()
export class ConsoleResponseInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const res = context.switchToHttp().getResponse<Response>();
    res.setHeader('Cache-Control', 'no-store');
    return next.handle().pipe(
      map((result: unknown) => {
        if (isPage(result)) res.setHeader('X-Total-Count', String(result.total));
        return result;
      }),
    );
  }
}
