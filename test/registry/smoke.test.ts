import { adminBasicAuth } from '../support/access';
import { startTestBerth, TestBerth } from '../support/test-berth';

describe('registry smoke', () => {
  let berth: TestBerth;
  beforeAll(async () => {
    berth = await startTestBerth();
  });
  afterAll(async () => {
    await berth.close();
  });

  it('answers the base endpoint with the API version header', async () => {
    const res = await fetch(`${berth.url}/v2/`, { headers: { Authorization: adminBasicAuth() } });
    expect(res.status).toBe(200);
    expect(res.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
  });

  it('challenges a caller without credentials, with the API version header too', async () => {
    const res = await fetch(`${berth.url}/v2/`);
    expect(res.status).toBe(401);
    expect(res.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
    expect(res.headers.get('www-authenticate')).toBe(`Bearer realm="${berth.url}/service/token",service="berth"`);
  });
});
