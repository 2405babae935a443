import { ConfigError, loadConfig } from '../../apps/api/src/config/config';

describe('identity configuration', () => {
  it('defaults to 5 free failures per username and address then waits of 1 to 15 minutes, 30 per address in 15 minutes, no trusted proxy, and no admin password', () => {
    const config = loadConfig({});
    expect(config.loginLimits).toEqual({ windowMs: 15 * 60_000, freeFailures: 5, firstDelayMs: 60_000, maxDelayMs: 15 * 60_000, maxFailuresPerAddress: 30 });
    expect(config.trustedProxies).toEqual([]);
    expect(config.adminPassword).toBeUndefined();
  });

  it('reads trusted proxies as addresses, CIDRs and Express names, and names a bad entry', () => {
    expect(loadConfig({ BERTH_TRUSTED_PROXIES: 'loopback, 10.0.0.0/8,2001:db8::1 ' }).trustedProxies).toEqual(['loopback', '10.0.0.0/8', '2001:db8::1']);
    expect(() => loadConfig({ BERTH_TRUSTED_PROXIES: 'loopback,proxy.example.com' })).toThrow(/BERTH_TRUSTED_PROXIES="loopback,proxy.example.com": "proxy.example.com" is not an IP address/);
    expect(() => loadConfig({ BERTH_TRUSTED_PROXIES: '10.0.0.0/33' })).toThrow(/BERTH_TRUSTED_PROXIES/);
  });

  it('still reads the old name of the free failures', () => {
    expect(loadConfig({ BERTH_LOGIN_MAX_FAILURES_PER_USER: '4' }).loginLimits.freeFailures).toBe(4);
    expect(loadConfig({ BERTH_LOGIN_MAX_FAILURES_PER_USER: '4', BERTH_LOGIN_FREE_FAILURES: '6' }).loginLimits.freeFailures).toBe(6);
  });

  it('reads the knobs and takes the admin password exactly as given', () => {
    const config = loadConfig({
      BERTH_LOGIN_WINDOW_MINUTES: '5',
      BERTH_LOGIN_FREE_FAILURES: '3',
      BERTH_LOGIN_DELAY_SECONDS: '10',
      BERTH_LOGIN_MAX_DELAY_SECONDS: '120',
      BERTH_LOGIN_MAX_FAILURES_PER_ADDRESS: '7',
      BERTH_ADMIN_PASSWORD: '  spaced out  ',
    });
    expect(config.loginLimits).toEqual({ windowMs: 5 * 60_000, freeFailures: 3, firstDelayMs: 10_000, maxDelayMs: 120_000, maxFailuresPerAddress: 7 });
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
    expect(() => loadConfig({ BERTH_LOGIN_FREE_FAILURES: '0' })).toThrow(/BERTH_LOGIN_FREE_FAILURES="0"/);
    expect(() => loadConfig({ BERTH_LOGIN_WINDOW_MINUTES: 'soon' })).toThrow(/BERTH_LOGIN_WINDOW_MINUTES/);
  });
});
