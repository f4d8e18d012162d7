// The whole Berth HTTP surface (API and dnf paths) as one catch-all function. host.json sets
// routePrefix "" so URLs match the Node server's exactly (no /api prefix).
import { app, type HttpMethod } from '@azure/functions';
import { httpHandler } from '../src/adapters/azure/handler.js';
import { azureRuntime } from '../src/adapters/azure/deps.js';

export const HTTP_METHODS: HttpMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

app.setup({ enableHttpStream: true });

app.http('berth', {
  route: '{*path}',
  methods: HTTP_METHODS,
  // Berth authenticates every request itself (tokens, operator hash); host keys would only get in dnf's way.
  authLevel: 'anonymous',
  handler: httpHandler(() => azureRuntime().app.fetch),
});
