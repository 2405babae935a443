import { Injectable } from '@nestjs/common';
import { ANONYMOUS, Principal } from '../access/principal';
import { UserService } from '../identity/user.service';
import { RobotRepository } from '../robots/robot.repository';
import { RobotService } from '../robots/robot.service';

/** Principals by the name a token carries as its subject ('' is anonymous); a name that no longer exists is anonymous. */
@Injectable()
export class PrincipalDirectory {
  constructor(
    private readonly users: UserService,
    private readonly robots: RobotRepository,
  ) {}

  async byName(name: string): Promise<Principal> {
    if (!name) return ANONYMOUS;
    if (RobotService.isRobotName(name)) {
      const robot = await this.robots.findByName(name);
      return robot && !robot.disabled ? { kind: 'robot', id: robot.id, name: robot.name, projectId: robot.projectId, permissions: robot.permissions } : ANONYMOUS;
    }
    const user = await this.users.findByUsername(name);
    return user && !user.disabled ? { kind: 'user', id: user.id, username: user.username, isAdmin: user.isAdmin } : ANONYMOUS;
  }
}
