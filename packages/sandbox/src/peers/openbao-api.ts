// A tiny fetch client for the sandbox's OpenBao: seeding and tests speak plain HTTP to it.
// It is not the product's Vault client (that lives in vault-native); it only knows paths.

/** The common envelope of OpenBao responses; fields depend on the endpoint. */
export interface BaoResult {
  request_id?: string;
  lease_id?: string;
  lease_duration?: number;
  renewable?: boolean;
  // biome-ignore lint/suspicious/noExplicitAny: response data is endpoint-specific; tests read what they need
  data?: Record<string, any>;
  auth?: {
    client_token: string;
    accessor: string;
    policies: string[];
    token_policies?: string[];
    lease_duration: number;
    renewable: boolean;
    metadata?: Record<string, string>;
  };
  warnings?: string[] | null;
  errors?: string[];
}

export interface BaoResponse {
  status: number;
  body: BaoResult;
}

export class OpenBaoApiError extends Error {
  readonly status: number;
  readonly errors: string[];

  constructor(method: string, path: string, status: number, errors: string[]) {
    super(`OpenBao ${method} ${path} answered ${status}: ${errors.join('; ') || '(no error text)'}`);
    this.name = 'OpenBaoApiError';
    this.status = status;
    this.errors = errors;
  }
}

export interface OpenBaoApi {
  readonly addr: string;
  readonly token: string | undefined;
  /** Raw call: never throws on an HTTP status, so tests can assert 403s. */
  request(method: string, path: string, body?: unknown): Promise<BaoResponse>;
  read(path: string): Promise<BaoResult>;
  write(path: string, body?: unknown): Promise<BaoResult>;
  delete(path: string): Promise<void>;
  list(path: string): Promise<string[]>;
  withToken(token: string | undefined): OpenBaoApi;
}

export function openBaoApi(addr: string, token?: string): OpenBaoApi {
  const request = async (method: string, path: string, body?: unknown): Promise<BaoResponse> => {
    const headers: Record<string, string> = {};
    if (token) headers['X-Vault-Token'] = token;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(`${addr}/v1/${path.replace(/^\/+/, '')}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as BaoResult) : {} };
  };
  const checked = async (method: string, path: string, body?: unknown): Promise<BaoResult> => {
    const res = await request(method, path, body);
    if (res.status >= 400) throw new OpenBaoApiError(method, path, res.status, res.body.errors ?? []);
    return res.body;
  };
  return {
    addr,
    token,
    request,
    read: (path) => checked('GET', path),
    write: (path, body) => checked('POST', path, body ?? {}),
    delete: async (path) => {
      await checked('DELETE', path);
    },
    list: async (path) => {
      const res = await request('LIST', path);
      if (res.status === 404) return [];
      if (res.status >= 400) throw new OpenBaoApiError('LIST', path, res.status, res.body.errors ?? []);
      return (res.body.data?.keys as string[] | undefined) ?? [];
    },
    withToken: (other) => openBaoApi(addr, other),
  };
}
