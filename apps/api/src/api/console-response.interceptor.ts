import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { map, Observable } from 'rxjs';
import type { Page } from '../common/paging';
import { isPage } from './pagination';

/**
 * Console answers are per user, so no cache may keep them. Lists answer `{ items, total, page, pageSize }`,
 * repeat the total in `X-Total-Count` and link their neighbours in `Link` (RFC 8288) for generic clients.
 */
@Injectable()
export class ConsoleResponseInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const res = http.getResponse<Response>();
    res.setHeader('Cache-Control', 'no-store');
    return next.handle().pipe(
      map((result: unknown) => {
        if (isPage(result)) {
          res.setHeader('X-Total-Count', String(result.total));
          res.setHeader('Link', pageLinks(http.getRequest<Request>().originalUrl, result));
        }
        return result;
      }),
    );
  }
}

/**
 * `Link` for one page of a list: first, prev (after page 1), next (while there is more) and last, as
 * relative URLs that keep the request's other query parameters. A page past the end points back at the last.
 */
export function pageLinks(requestUrl: string, page: Pick<Page<unknown>, 'total' | 'page' | 'pageSize'>): string {
  const url = new URL(requestUrl, 'http://berth.invalid');
  const last = Math.max(1, Math.ceil(page.total / page.pageSize));
  const link = (target: number, rel: string) => {
    url.searchParams.set('page', String(target));
    url.searchParams.set('page_size', String(page.pageSize));
    return `<${url.pathname}${url.search}>; rel="${rel}"`;
  };
  const links = [link(1, 'first')];
  if (page.page > 1) links.push(link(Math.min(page.page - 1, last), 'prev'));
  if (page.page < last) links.push(link(page.page + 1, 'next'));
  links.push(link(last, 'last'));
  return links.join(', ');
}
