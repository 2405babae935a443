import { Controller, Get, Req, UseFilters, UseGuards } from '@nestjs/common';
import type { Request } from 'express';
import { OciErrors } from '@berth/oci';
import type { Principal } from '../access/principal';
import { RegistryExceptionFilter } from '../registry/registry-exception.filter';
import { DockerSearchAuthGuard, SEARCH_PRINCIPAL } from './docker-search-auth.guard';
import { DockerSearchQuery, DockerSearchResults } from './search.dto';
import { SearchService } from './search.service';

/**
 * GET /v1/search?q=&n=&page=: Docker Hub's v1 search API, which `docker search` and `podman search`
 * ask a registry (as Harbor answers it), over the console's search of repositories.
 */
@Controller('v1')
@UseFilters(RegistryExceptionFilter)
@UseGuards(DockerSearchAuthGuard)
export class DockerSearchController {
  constructor(private readonly search: SearchService) {}

  @Get('search')
  find(@Req() req: Request & Record<symbol, Principal>): Promise<DockerSearchResults> {
    const query = DockerSearchQuery.safeParse(req.query);
    if (!query.success) throw OciErrors.unsupported('the search term q is required (1 to 255 characters)', undefined, { status: 400 });
    return this.search.dockerSearch(req[SEARCH_PRINCIPAL], query.data);
  }
}
