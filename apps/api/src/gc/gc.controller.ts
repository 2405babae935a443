import { Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import type { UserPrincipal } from '../access/principal';
import { ApiDoc } from '../api/api-doc';
import { ConsoleController } from '../api/console-controller';
import { AdminOnly, CurrentUser } from '../api/route-access';
import { ValidBody, ValidQuery } from '../api/zod-validation.pipe';
import type { Page } from '../common/paging';
import { GcRunDetail, GcRunsQuery, GcRunView, GcSchedule, StartGcBody, UpdateGcScheduleBody } from './gc.dto';
import { GcService } from './gc.service';

@ConsoleController('system/gc')
@AdminOnly()
export class GcController {
  constructor(private readonly gc: GcService) {}

  @Post('runs')
  @HttpCode(202)
  @ApiDoc({ summary: 'Start garbage collection (409 while one runs); follow it with GET runs/{id}', response: GcRunDetail })
  start(@CurrentUser() user: UserPrincipal, @ValidBody(StartGcBody) body: StartGcBody): Promise<GcRunDetail> {
    return this.gc.start(user, body);
  }

  @Get('runs')
  @ApiDoc({ summary: 'List garbage collection runs, newest first', item: GcRunView })
  list(@CurrentUser() user: UserPrincipal, @ValidQuery(GcRunsQuery) query: GcRunsQuery): Promise<Page<GcRunView>> {
    return this.gc.list(user, query);
  }

  @Get('runs/:id')
  @ApiDoc({ summary: 'Get a garbage collection run with its progress and log', response: GcRunDetail })
  get(@CurrentUser() user: UserPrincipal, @Param('id') id: string): Promise<GcRunDetail> {
    return this.gc.get(user, id);
  }

  @Post('runs/:id/stop')
  @HttpCode(202)
  @ApiDoc({ summary: 'Ask a running garbage collection to stop at its next checkpoint', response: GcRunDetail })
  stop(@CurrentUser() user: UserPrincipal, @Param('id') id: string): Promise<GcRunDetail> {
    return this.gc.stop(user, id);
  }

  @Get('schedule')
  @ApiDoc({ summary: 'Get the garbage collection schedule and settings', response: GcSchedule })
  schedule(@CurrentUser() user: UserPrincipal): Promise<GcSchedule> {
    return this.gc.schedule(user);
  }

  @Put('schedule')
  @ApiDoc({ summary: 'Set (or with cron null, remove) the garbage collection schedule', response: GcSchedule })
  setSchedule(@CurrentUser() user: UserPrincipal, @ValidBody(UpdateGcScheduleBody) body: UpdateGcScheduleBody): Promise<GcSchedule> {
    return this.gc.setSchedule(user, body);
  }
}
