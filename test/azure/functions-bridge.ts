// What the Functions host does between a client and the Node worker, reduced to the parts
// Berth depends on: a loopback HTTP server that turns each request into the package's own
// HttpRequest the way its streaming path does (a Web Request with the live body, `duplex:
// 'half'`), calls the registered handler with an InvocationContext, converts the result with
// the package's HttpResponse and writes headers and body the way its proxy does (hop-by-hop
// headers dropped, body streamed chunk by chunk).
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { HttpRequest, HttpResponse, InvocationContext, type HttpRequestInit, type HttpResponseInit } from '@azure/functions';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'trailers', 'transfer-encoding', 'upgrade']);

export type Handler = (...args: unknown[]) => unknown;

export interface Bridge {
  url: string;
  /** Requests whose handler threw (the host would answer 500). */
  errors: unknown[];
  close(): Promise<void>;
}

export async function startBridge(handler: Handler, functionName = 'berth'): Promise<Bridge> {
  const errors: unknown[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = `http://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`;
      const method = req.method ?? 'GET';
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headersDistinct)) for (const x of v ?? []) headers.append(k, x);
      const hasBody = method !== 'GET' && method !== 'HEAD';
      const nativeRequest = new Request(url, {
        method,
        headers,
        body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : null,
        ...(hasBody ? { duplex: 'half' } : {}),
      } as RequestInit);
      // `nativeRequest` is how the package's own stream mode builds its HttpRequest.
      const request = new HttpRequest({ url, method, nativeRequest } as HttpRequestInit);
      const context = new InvocationContext({ functionName, invocationId: randomUUID(), logHandler: () => undefined });
      let out: HttpResponse;
      try {
        out = new HttpResponse((await handler(request, context)) as HttpResponseInit);
      } catch (err) {
        errors.push(err);
        res.statusCode = 500;
        res.end();
        return;
      }
      for (const [k, v] of out.headers.entries()) if (!HOP_BY_HOP.has(k)) res.setHeader(k, v);
      res.statusCode = out.status;
      if (out.body) for await (const chunk of out.body.values()) res.write(chunk);
      res.end();
    })().catch((err: unknown) => {
      errors.push(err);
      res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    errors,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
