import { Injectable } from '@nestjs/common';
import type { Principal } from '../access/principal';
import { viewerOf } from '../access/visibility';
import { offsetOf, Page } from '../common/paging';
import type { SearchHit, SearchQuery } from './search.dto';
import { SearchRepository } from './search.repository';

/** One search box over projects, repositories and tags; private projects stay invisible to outsiders. */
@Injectable()
export class SearchService {
  constructor(private readonly search: SearchRepository) {}

  async find(principal: Principal, query: SearchQuery): Promise<Page<SearchHit>> {
    const { items, total } = await this.search.search(viewerOf(principal), query.q, query.kind, offsetOf(query), query.pageSize);
    return { items, total, page: query.page, pageSize: query.pageSize };
  }
}
