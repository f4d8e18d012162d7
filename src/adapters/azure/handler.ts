/**
 * Hono ⇄ Azure Functions HTTP, without the npm adapter (which lower-cased cookie names and
 * flattened repeated headers). With `enableHttpStream` the host hands us a request whose body is
 * a live stream; it is passed on as the Web Request's body (`duplex: 'half'`, required by Node's
 * fetch for a streamed body), so a package upload is never buffered. The Response goes back as
 * HttpResponseInit with the Headers object itself (every header, original values) and its
 * ReadableStream body, which the worker pipes to the client as it is read.
 */
import type { HttpHandler, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';

export type FetchLike = (request: Request) => Response | Promise<Response>;

const NO_BODY = new Set(['GET', 'HEAD']);

export function toWebRequest(req: HttpRequest): Request {
  const method = req.method.toUpperCase();
  const body = NO_BODY.has(method) ? null : req.body;
  return new Request(req.url, {
    method,
    headers: req.headers,
    body,
    ...(body ? { duplex: 'half' } : {}),
  } as RequestInit);
}

export function toResponseInit(res: Response): HttpResponseInit {
  const init: HttpResponseInit = { status: res.status, headers: res.headers };
  // The DOM and node:stream/web ReadableStream types differ; at run time they are one class.
  if (res.body !== null) init.body = res.body as unknown as NonNullable<HttpResponseInit['body']>;
  return init;
}

/**
 * An HttpHandler serving `fetch`. `fetch` is resolved per request so that configuration errors
 * surface as a failed invocation (logged by the host) rather than a crash at import.
 */
export function httpHandler(resolve: () => FetchLike): HttpHandler {
  return async (req: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
    const res = await resolve()(toWebRequest(req));
    return toResponseInit(res);
  };
}
