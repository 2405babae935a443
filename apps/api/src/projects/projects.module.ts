import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ConsoleAuthModule } from '../console-auth/console-auth.module';
import { IdentityModule } from '../identity/identity.module';
import { SettingsModule } from '../settings/settings.module';
import { RegistryModule } from '../registry/registry.module';
import { MemberController } from './member.controller';
import { MemberRepository } from './member.repository';
import { MemberService } from './member.service';
import { ProjectAccessService } from './project-access.service';
import { ProjectController } from './project.controller';
import { ProjectRepository } from './project.repository';
import { ProjectService } from './project.service';

/** /api/v1/projects and their members; ProjectAccessService is shared with the robots and audit routes. */
@Module({
  imports: [ConsoleAuthModule, AuthModule, IdentityModule, SettingsModule, RegistryModule],
  controllers: [ProjectController, MemberController],
  providers: [ProjectRepository, MemberRepository, ProjectAccessService, ProjectService, MemberService],
  exports: [ProjectAccessService],
})
export class ProjectsModule {}
