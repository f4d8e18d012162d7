/**
 * Errors that know their HTTP form: a JSON problem (RFC 9457) with a stable `code` that scripts
 * rely on. Every 4xx the API returns is one of these; anything else becomes a 500 without
 * internals (the request id is in the body and the log).
 */
export class ProblemError extends Error {
  override name = 'ProblemError';
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 405 | 406 | 409 | 411 | 412 | 413 | 415 | 416 | 422 | 429 | 499 | 500 | 503 | 507,
    readonly code: string,
    readonly detail: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
  get isProblemError(): true {
    return true;
  }
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  requestId?: string;
  [extra: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  411: 'Length Required',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  416: 'Range Not Satisfiable',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  499: 'Client Closed Request',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
  507: 'Insufficient Storage',
};

export function problemBody(status: number, code: string, detail: string, extra: Record<string, unknown> = {}): ProblemBody {
  return {
    type: `https://berth.dev/problems/${code}`,
    title: TITLES[status] ?? 'Error',
    status,
    code,
    detail,
    ...extra,
  };
}

export function problemResponse(p: ProblemError, requestId?: string): Response {
  const body = problemBody(p.status, p.code, p.detail, { ...p.extra, ...(requestId ? { requestId } : {}) });
  return new Response(JSON.stringify(body), {
    status: p.status,
    headers: { 'content-type': 'application/problem+json', ...p.headers },
  });
}
