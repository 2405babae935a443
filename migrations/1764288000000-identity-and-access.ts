import { MigrationInterface, QueryRunner } from 'typeorm';

/** Users, CLI secrets, projects and members, robot accounts, token signing keys, settings, login attempts and the audit log. */
export class IdentityAndAccess1764288000000 implements MigrationInterface {
  name = 'IdentityAndAccess1764288000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE app_user (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        username text NOT NULL UNIQUE,
        email text,
        display_name text,
        password_hash text NOT NULL,
        is_admin boolean NOT NULL DEFAULT false,
        disabled boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        last_login_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX app_user_email_idx ON app_user (lower(email)) WHERE email IS NOT NULL`);
    // Personal secrets for docker login: shown once, stored as argon2id hashes, found by their public prefix.
    await q.query(`
      CREATE TABLE cli_secret (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        user_id bigint NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
        name text NOT NULL,
        prefix text NOT NULL UNIQUE,
        secret_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        UNIQUE (user_id, name)
      )`);
    await q.query(`
      CREATE TABLE project (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        name text NOT NULL UNIQUE,
        public boolean NOT NULL DEFAULT false,
        description text NOT NULL DEFAULT '',
        quota_bytes bigint,
        created_by bigint REFERENCES app_user(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE project_member (
        project_id bigint NOT NULL REFERENCES project(id) ON DELETE CASCADE,
        user_id bigint NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
        role text NOT NULL CHECK (role IN ('project_admin', 'maintainer', 'developer', 'guest', 'limited_guest')),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (project_id, user_id)
      )`);
    await q.query(`CREATE INDEX project_member_user_idx ON project_member (user_id)`);
    // project_id NULL: a system robot, created by admins, with permissions on every project.
    await q.query(`
      CREATE TABLE robot (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        project_id bigint REFERENCES project(id) ON DELETE CASCADE,
        name text NOT NULL UNIQUE,
        description text NOT NULL DEFAULT '',
        permissions text[] NOT NULL,
        secret_hash text NOT NULL,
        expires_at timestamptz,
        disabled boolean NOT NULL DEFAULT false,
        created_by bigint REFERENCES app_user(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE signing_key (
        kid text PRIMARY KEY,
        algorithm text NOT NULL,
        private_jwk jsonb NOT NULL,
        public_jwk jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE system_setting (
        key text PRIMARY KEY,
        value jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE login_attempt (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        username text NOT NULL,
        address text NOT NULL,
        success boolean NOT NULL,
        at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX login_attempt_user_idx ON login_attempt (lower(username), at)`);
    await q.query(`CREATE INDEX login_attempt_address_idx ON login_attempt (address, at)`);
    await q.query(`
      CREATE TABLE audit_event (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        actor text NOT NULL,
        actor_kind text NOT NULL,
        action text NOT NULL,
        resource text NOT NULL,
        project_id bigint REFERENCES project(id) ON DELETE SET NULL,
        address text,
        success boolean NOT NULL,
        details jsonb NOT NULL DEFAULT '{}'::jsonb
      )`);
    await q.query(`CREATE INDEX audit_event_at_idx ON audit_event (at DESC)`);
    await q.query(`CREATE INDEX audit_event_project_idx ON audit_event (project_id, at DESC)`);
    await q.query(`INSERT INTO project (name, public, description) VALUES ('library', true, 'Public images for everyone')`);
    await q.query(`INSERT INTO system_setting (key, value) VALUES ('self_registration', 'false'::jsonb), ('project_creation', '"admins"'::jsonb)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['audit_event', 'login_attempt', 'system_setting', 'signing_key', 'robot', 'project_member', 'project', 'cli_secret', 'app_user']) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
