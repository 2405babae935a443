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
    const res = await fetch(`${berth.url}/v2/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
  });
});
