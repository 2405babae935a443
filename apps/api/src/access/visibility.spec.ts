import { ANONYMOUS } from './principal';
import { viewerOf, visibleProject } from './visibility';

describe('visibleProject', () => {
  it('numbers its parameters from the index it is given, in the order of its values', () => {
    expect(visibleProject('p', { userId: '7' }, 3)).toEqual({
      sql: '(p.public OR p.id IN (SELECT vm.project_id FROM project_member vm WHERE vm.user_id = $3::bigint))',
      params: ['7'],
    });
    expect(visibleProject('q', { userId: '7', projectId: '9' }, 1)).toEqual({
      sql: '(q.public OR q.id IN (SELECT vm.project_id FROM project_member vm WHERE vm.user_id = $1::bigint) OR q.id = $2::bigint)',
      params: ['7', '9'],
    });
  });

  it('lets anonymous callers see public projects only, and everyone see everything with `all`', () => {
    expect(visibleProject('p', {}, 1)).toEqual({ sql: '(p.public)', params: [] });
    expect(visibleProject('p', { all: true, userId: '7' }, 4)).toEqual({ sql: 'TRUE', params: [] });
  });

  it('takes only a plain table alias', () => {
    expect(() => visibleProject('p; DROP TABLE project', {}, 1)).toThrow('is not a table alias');
  });
});

describe('viewerOf', () => {
  it('maps each kind of principal to what it may see', () => {
    expect(viewerOf(ANONYMOUS)).toEqual({});
    expect(viewerOf({ kind: 'user', id: '3', username: 'ann', isAdmin: false })).toEqual({ userId: '3' });
    expect(viewerOf({ kind: 'user', id: '1', username: 'admin', isAdmin: true })).toEqual({ all: true });
    expect(viewerOf({ kind: 'robot', id: '5', name: 'robot$team+ci', projectId: '2', permissions: ['pull'] })).toEqual({ projectId: '2' });
    expect(viewerOf({ kind: 'robot', id: '6', name: 'robot$sys', projectId: null, permissions: ['pull'] })).toEqual({ all: true });
  });
});
