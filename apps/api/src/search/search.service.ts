import { Injectable } from '@nestjs/common';
import type { Principal } from '../access/principal';
import { viewerOf } from '../access/visibility';
import { offsetOf, Page } from '../common/paging';
import type { DockerSearchQuery, DockerSearchResults, SearchHit, SearchQuery } from './search.dto';
import { SearchRepository } from './search.repository';

/** One search box over projects, repositories and tags; private projects stay invisible to outsiders. */
@Injectable()
export class SearchService {
  constructor(private readonly search: SearchRepository) {}

  async find(principal: Principal, query: SearchQuery): Promise<Page<SearchHit>> {
    const { items, total } = await this.search.search(viewerOf(principal), query.q, query.kind, offsetOf(query), query.pageSize);
    return { items, total, page: query.page, pageSize: query.pageSize };
  }

  /** Repositories only, as `docker search` lists them: names without the registry host, to be pulled as `<host>/<name>`. */
  async dockerSearch(principal: Principal, query: DockerSearchQuery): Promise<DockerSearchResults> {
    const { items, total } = await this.search.search(viewerOf(principal), query.q, 'repository', (query.page - 1) * query.n, query.n);
    return {
      query: query.q,
      num_results: total,
      num_pages: Math.ceil(total / query.n),
      page: query.page,
      page_size: query.n,
      results: items.flatMap((hit) =>
        hit.kind === 'repository'
          ? [{ name: hit.name, description: hit.excerpt, star_count: hit.starCount, pull_count: hit.pullCount, is_official: false, is_automated: false }]
          : [],
      ),
    };
  }
}
