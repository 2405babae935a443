import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ConsoleAuthModule } from '../console-auth/console-auth.module';
import { ProjectsModule } from '../projects/projects.module';
import { RobotAdminService } from './robot-admin.service';
import { ProjectRobotController, SystemRobotController } from './robot.controller';

/** /api/v1/projects/:name/robots and /api/v1/robots. RobotService itself lives in AuthModule, beside docker login. */
@Module({
  imports: [ConsoleAuthModule, AuthModule, ProjectsModule],
  controllers: [ProjectRobotController, SystemRobotController],
  providers: [RobotAdminService],
})
export class RobotConsoleModule {}
