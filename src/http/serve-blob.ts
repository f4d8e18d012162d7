/**
 * HTTP delivery of stored bytes for dnf/tdnf: ETag and Last-Modified validators, conditional
 * GET (304), single ranges (206), several ranges (206 multipart/byteranges), unsatisfiable
 * ranges (416 with `Content-Range: bytes *\/size`), HEAD without a body. Which ranges are
 * honoured, merged or ignored (amplification) is decided in byte-ranges.ts. Bodies are streamed
 * from the store range by range; nothing is buffered here (small files the serve cache already
 * holds in memory are sent from there).
 */
import { concatStreams, type StreamPart } from '../core/streams.js';
import type { BlobInfo, BlobStore } from '../storage/blob-store.js';
import { etagMatches } from '../storage/blob-store.js';
import { parseRange, type Span } from './byte-ranges.js';
import { ProblemError } from './problem.js';

/** Something servable: stored blobs and small in-memory documents (repomd.xml from a generation). */
export interface ByteSourceInfo {
  size: number;
  /** Strong, quoted. */
  etag: string;
  lastModified: Date;
  /** A stream of `length` bytes from `offset` (whole content when both are omitted). */
  open(offset?: number, length?: number): Promise<ReadableStream<Uint8Array>>;
  /** The whole content, when it is already in memory: a full response then skips streams. */
  bytes?: Uint8Array;
  /** Response headers this source adds to every answer (lower-case names), e.g. a cache's verdict. */
  headers?: Record<string, string>;
}

export interface ServeOptions {
  contentType: string;
  cacheControl: string;
  /** Ignore Range headers with more range-specs than this (whole body sent); default MAX_RANGES. */
  maxRanges?: number;
  /** Extra response headers (lower-case names). */
  headers?: Record<string, string>;
}

export function blobSource(store: BlobStore, key: string): () => Promise<ByteSourceInfo | null> {
  return async () => {
    const info = await store.head(key);
    return info ? blobSourceFrom(store, info) : null;
  };
}

/** A stored blob whose `head` was already read: streamed from the store when served. */
export function blobSourceFrom(store: BlobStore, info: BlobInfo): ByteSourceInfo {
  const { key } = info;
  return {
    size: info.size,
    etag: info.etag,
    lastModified: info.lastModified,
    async open(offset, length) {
      const obj = await store.get(key, offset === undefined ? {} : { range: { offset, ...(length === undefined ? {} : { length }) } });
      if (!obj) throw new ProblemError(404, 'not_found', 'the file was removed while being served');
      return obj.body;
    },
  };
}

export function bytesSource(bytes: Uint8Array, etag: string, lastModified: Date): ByteSourceInfo {
  return {
    size: bytes.length,
    etag,
    lastModified,
    bytes,
    async open(offset = 0, length = bytes.length - offset) {
      // a view, not a copy: the bytes are immutable once a source holds them
      const part = bytes.subarray(offset, offset + length);
      return new ReadableStream<Uint8Array>({
        start(controller) {
          if (part.length > 0) controller.enqueue(part);
          controller.close();
        },
      });
    },
  };
}

// Cached sources share one Date per object, so its header string is formatted once.
const httpDates = new WeakMap<Date, string>();
function httpDate(d: Date): string {
  let s = httpDates.get(d);
  if (s === undefined) {
    s = d.toUTCString();
    httpDates.set(d, s);
  }
  return s;
}

/** True when the client's copy is current (If-None-Match wins over If-Modified-Since). */
function notModified(req: Request, src: ByteSourceInfo): boolean {
  const inm = req.headers.get('if-none-match');
  if (inm !== null) {
    return inm.trim() === '*' || inm.split(',').some((t) => {
      const tag = t.trim().replace(/^W\//, '');
      return etagMatches(src.etag, tag); // weak comparison for If-None-Match
    });
  }
  const ims = req.headers.get('if-modified-since');
  if (ims !== null && (req.method === 'GET' || req.method === 'HEAD')) {
    const since = Date.parse(ims);
    return !Number.isNaN(since) && Math.floor(src.lastModified.getTime() / 1000) <= Math.floor(since / 1000);
  }
  return false;
}

/** If-Range: the range applies only when the validator still matches (strong ETag or exact date). */
function rangeApplies(req: Request, src: ByteSourceInfo): boolean {
  const ifRange = req.headers.get('if-range');
  if (ifRange === null) return true;
  const v = ifRange.trim();
  if (v.startsWith('"') || v.startsWith('W/')) return etagMatches(src.etag, v);
  const at = Date.parse(v);
  return !Number.isNaN(at) && Math.floor(at / 1000) === Math.floor(src.lastModified.getTime() / 1000);
}

const encoder = new TextEncoder();
const once = (text: string) => (): ReadableStream<Uint8Array> =>
  new ReadableStream({ start(c) { c.enqueue(encoder.encode(text)); c.close(); } });

/**
 * The header records of one source under one set of options, built once: sources held by a cache
 * and the options the routes keep as constants are long-lived, so a hit costs two WeakMap
 * lookups and one copy (for the request id) instead of rebuilding every field.
 */
interface Templates {
  /** 304s and the base of ranged answers: no Content-Length. */
  bare: Record<string, string>;
  /** Full 200s and HEAD: with Content-Length. */
  full: Record<string, string>;
}
const templates = new WeakMap<ByteSourceInfo, WeakMap<ServeOptions, Templates>>();

function templatesOf(src: ByteSourceInfo, opts: ServeOptions): Templates {
  let bySrc = templates.get(src);
  if (bySrc === undefined) {
    bySrc = new WeakMap();
    templates.set(src, bySrc);
  }
  let t = bySrc.get(opts);
  if (t === undefined) {
    const bare: Record<string, string> = {
      'content-type': opts.contentType,
      'cache-control': opts.cacheControl,
      etag: src.etag,
      'last-modified': httpDate(src.lastModified),
      'accept-ranges': 'bytes',
    };
    if (src.headers) Object.assign(bare, src.headers);
    if (opts.headers) Object.assign(bare, opts.headers);
    t = { bare, full: { ...bare, 'content-length': String(src.size) } };
    bySrc.set(opts, t);
  }
  return t;
}

/** A fresh header record (the caller may add to it) with the request id, when there is one. */
function headersFor(template: Record<string, string>, requestId: string | undefined): Record<string, string> {
  const h = { ...template };
  if (requestId !== undefined) h['x-request-id'] = requestId;
  return h;
}

/**
 * The answers that need no stream, synchronously: 304, and a full 200 or a single-range 206 of
 * bytes already in memory (a view of them, never a copy). Null for anything else (several
 * ranges, unsatisfiable ranges, streamed sources), which `serveSource` answers.
 * Synchronous so that a server can write the response in the same turn (@hono/node-server then
 * skips its promise handling and per-request close listener). `requestId` goes into
 * `X-Request-Id`.
 */
export function serveFromMemory(req: Request, src: ByteSourceInfo, opts: ServeOptions, requestId?: string): Response | null {
  const t = templatesOf(src, opts);
  if (req.headers.get('range') !== null && rangeApplies(req, src)) {
    if (notModified(req, src)) return new Response(null, { status: 304, headers: headersFor(t.bare, requestId) });
    if (src.bytes === undefined) return null;
    const spans = parseRange(req.headers.get('range'), src.size, opts.maxRanges);
    if (spans !== null && spans.length !== 1) return null;
    if (spans === null) return full(req, src, t, requestId);
    const s = spans[0] as Span;
    const h = headersFor(t.bare, requestId);
    h['content-range'] = `bytes ${s.start}-${s.end}/${src.size}`;
    h['content-length'] = String(s.end - s.start + 1);
    const part = req.method === 'HEAD' ? null : src.bytes.subarray(s.start, s.end + 1) as Uint8Array<ArrayBuffer>;
    return new Response(part, { status: 206, headers: h });
  }
  if (notModified(req, src)) return new Response(null, { status: 304, headers: headersFor(t.bare, requestId) });
  if (req.method !== 'HEAD' && src.bytes === undefined) return null;
  return full(req, src, t, requestId);
}

function full(req: Request, src: ByteSourceInfo, t: Templates, requestId: string | undefined): Response {
  const body = req.method === 'HEAD' ? null : src.bytes as Uint8Array<ArrayBuffer>;
  return new Response(body, { status: 200, headers: headersFor(t.full, requestId) });
}

/**
 * A streamed answer as built: status, the header record and the body stream, so that a runtime
 * that writes responses itself (the Node server, for bodies it can read directly) need not go
 * through the Response's getters. Registered for streamed 200s and single-range 206s only.
 */
export interface StreamedAnswer {
  status: number;
  headers: Record<string, string>;
  body: ReadableStream<Uint8Array>;
}
const streamedAnswers = new WeakMap<Response, StreamedAnswer>();

export function streamedAnswerOf(res: Response): StreamedAnswer | undefined {
  return streamedAnswers.get(res);
}

function streamed(status: number, headers: Record<string, string>, body: ReadableStream<Uint8Array>): Response {
  const res = new Response(body, { status, headers });
  streamedAnswers.set(res, { status, headers, body });
  return res;
}

export async function serveSource(req: Request, src: ByteSourceInfo, opts: ServeOptions, requestId?: string): Promise<Response> {
  const now = serveFromMemory(req, src, opts, requestId);
  if (now !== null) return now;
  const head = req.method === 'HEAD';
  const t = templatesOf(src, opts);

  const spans = rangeApplies(req, src) ? parseRange(req.headers.get('range'), src.size, opts.maxRanges) : null;
  if (spans === null) {
    // The common case, so no Headers object: @hono/node-server writes a plain header record.
    const headers = headersFor(t.full, requestId);
    if (head || src.bytes !== undefined) return new Response(head ? null : src.bytes as Uint8Array<ArrayBuffer>, { status: 200, headers });
    return streamed(200, headers, await src.open());
  }
  if (spans.length === 1) {
    const s = spans[0] as Span;
    const length = s.end - s.start + 1;
    const h = headersFor(t.bare, requestId);
    h['content-range'] = `bytes ${s.start}-${s.end}/${src.size}`;
    h['content-length'] = String(length);
    return head ? new Response(null, { status: 206, headers: h }) : streamed(206, h, await src.open(s.start, length));
  }
  const headers = new Headers(headersFor(t.bare, requestId));
  if (spans.length === 0) {
    headers.set('content-range', `bytes */${src.size}`);
    headers.delete('content-type');
    throw new ProblemError(416, 'range_not_satisfiable', `no requested range lies within the ${src.size} bytes`, {}, Object.fromEntries(headers));
  }
  const boundary = `berth-${crypto.randomUUID()}`;
  const partHead = (s: Span, first: boolean): string =>
    `${first ? '' : '\r\n'}--${boundary}\r\ncontent-type: ${opts.contentType}\r\ncontent-range: bytes ${s.start}-${s.end}/${src.size}\r\n\r\n`;
  const tail = `\r\n--${boundary}--\r\n`;
  let length = encoder.encode(tail).length;
  const pieces: StreamPart[] = [];
  spans.forEach((s, i) => {
    const h = partHead(s, i === 0);
    length += encoder.encode(h).length + (s.end - s.start + 1);
    pieces.push(once(h), () => src.open(s.start, s.end - s.start + 1));
  });
  pieces.push(once(tail));
  headers.set('content-type', `multipart/byteranges; boundary=${boundary}`);
  headers.set('content-length', String(length));
  return new Response(head ? null : concatStreams(pieces), { status: 206, headers });
}
