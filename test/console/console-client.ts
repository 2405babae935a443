import { TEST_ADMIN_PASSWORD, TestBerth } from '../support/test-berth';

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;

/**
 * A console API caller over real HTTP: keeps cookies like a browser (and sends the CSRF header the way
 * the console does), or sends Basic credentials like a script, or nothing at all.
 */
export class ConsoleClient {
  readonly cookies = new Map<string, string>();
  /** Send X-CSRF-Token (from the csrf cookie) on unsafe requests, as the console's scripts do. */
  sendCsrf = true;

  constructor(
    readonly baseUrl: string,
    private readonly authorization?: string,
  ) {}

  static anonymous(berth: TestBerth): ConsoleClient {
    return new ConsoleClient(berth.url);
  }

  static basic(berth: TestBerth, user: string, secret: string): ConsoleClient {
    return new ConsoleClient(berth.url, basic(user, secret));
  }

  /** A browser session, logged in (fails the test when the login does). */
  static async session(berth: TestBerth, username: string, password: string): Promise<ConsoleClient> {
    const client = new ConsoleClient(berth.url);
    const res = await client.post('/auth/login', { username, password });
    if (res.status !== 200) throw new Error(`login as ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
    return client;
  }

  static admin(berth: TestBerth): Promise<ConsoleClient> {
    return ConsoleClient.session(berth, 'admin', TEST_ADMIN_PASSWORD);
  }

  get(path: string, headers: Record<string, string> = {}) {
    return this.request('GET', path, undefined, headers);
  }
  post(path: string, body?: unknown, headers: Record<string, string> = {}) {
    return this.request('POST', path, body, headers);
  }
  put(path: string, body?: unknown, headers: Record<string, string> = {}) {
    return this.request('PUT', path, body, headers);
  }
  patch(path: string, body?: unknown, headers: Record<string, string> = {}) {
    return this.request('PATCH', path, body, headers);
  }
  delete(path: string, headers: Record<string, string> = {}) {
    return this.request('DELETE', path, undefined, headers);
  }

  async request<T = any>(method: string, path: string, body?: unknown, extra: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (this.authorization) headers.Authorization = this.authorization;
    if (this.cookies.size > 0) headers.Cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const csrf = this.cookies.get('berth_csrf');
    if (this.sendCsrf && csrf && !['GET', 'HEAD'].includes(method)) headers['X-CSRF-Token'] = csrf;
    Object.assign(headers, extra);
    const res = await fetch(`${this.baseUrl}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  }
}
