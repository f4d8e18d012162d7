/**
 * Request bodies as the routes read them. A client that disconnects mid-body (an aborted
 * `berth push`, a dropped connection) makes the runtime error the body stream with whatever it
 * has ("aborted", ECONNRESET, …). That is the client's doing, not a server fault: the body's read
 * errors become one ProblemError 499 `client_closed_request` (nginx's status for it), which the
 * error handler answers without an error log or stack and the access log records at info level.
 * Whatever the route was writing is abandoned by the usual error path (staged uploads deleted).
 */
import { ProblemError } from './problem.js';

export function clientClosed(): ProblemError {
  return new ProblemError(499, 'client_closed_request', 'the client closed the connection before the body was complete');
}

/** The request's body (empty when it has none), whose read errors mean "the client went away". */
export function clientBody(req: Request): ReadableStream<Uint8Array> {
  const inner = req.body;
  if (!inner) return new ReadableStream({ start: (c) => c.close() });
  const reader = inner.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await reader.read();
      } catch {
        controller.error(clientClosed());
        return;
      }
      if (r.done) controller.close();
      else controller.enqueue(r.value);
    },
    async cancel(reason) {
      await reader.cancel(reason).catch(() => undefined);
    },
  }, { highWaterMark: 0 });
}
