import { Get } from '@nestjs/common';
import type { Principal } from '../access/principal';
import { ApiDoc } from '../api/api-doc';
import { ConsoleController } from '../api/console-controller';
import { CurrentPrincipal, Public } from '../api/route-access';
import { ValidQuery } from '../api/zod-validation.pipe';
import type { Page } from '../common/paging';
import { SearchHit, SearchQuery } from './search.dto';
import { SearchService } from './search.service';

/** GET /api/v1/search: what the console's search box asks. */
@ConsoleController('search')
export class SearchController {
  constructor(private readonly search: SearchService) {}

  @Get()
  @ApiDoc({ summary: 'Search the projects, repositories and tags the caller can see, by name', item: SearchHit })
  @Public()
  find(@CurrentPrincipal() principal: Principal, @ValidQuery(SearchQuery) query: SearchQuery): Promise<Page<SearchHit>> {
    return this.search.find(principal, query);
  }
}
