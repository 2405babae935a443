import { ConfigError, loadConfig } from '../../apps/api/src/config/config';

describe('identity configuration', () => {
  it('defaults to 10 failures per username and 30 per address in 15 minutes, and no admin password', () => {
    const config = loadConfig({});
    expect(config.loginLimits).toEqual({ windowMs: 15 * 60_000, maxFailuresPerUser: 10, maxFailuresPerAddress: 30 });
    expect(config.adminPassword).toBeUndefined();
  });

  it('reads the knobs and takes the admin password exactly as given', () => {
    const config = loadConfig({
      BERTH_LOGIN_WINDOW_MINUTES: '5',
      BERTH_LOGIN_MAX_FAILURES_PER_USER: '3',
      BERTH_LOGIN_MAX_FAILURES_PER_ADDRESS: '7',
      BERTH_ADMIN_PASSWORD: '  spaced out  ',
    });
    expect(config.loginLimits).toEqual({ windowMs: 5 * 60_000, maxFailuresPerUser: 3, maxFailuresPerAddress: 7 });
    expect(config.adminPassword).toBe('  spaced out  ');
    expect(loadConfig({ BERTH_ADMIN_PASSWORD: '' }).adminPassword).toBeUndefined();
  });

  it('names a bad variable without echoing the admin password', () => {
    expect(() => loadConfig({ BERTH_ADMIN_PASSWORD: 'hunter2' })).toThrow(ConfigError);
    let message = '';
    try {
      loadConfig({ BERTH_ADMIN_PASSWORD: 'hunter2' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('BERTH_ADMIN_PASSWORD=(hidden): must be at least 8 characters');
    expect(message).not.toContain('hunter2');
    expect(() => loadConfig({ BERTH_LOGIN_MAX_FAILURES_PER_USER: '0' })).toThrow(/BERTH_LOGIN_MAX_FAILURES_PER_USER="0"/);
    expect(() => loadConfig({ BERTH_LOGIN_WINDOW_MINUTES: 'soon' })).toThrow(/BERTH_LOGIN_WINDOW_MINUTES/);
  });
});
