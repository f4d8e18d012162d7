/**
 * Bounds on every outbound request: how long it may take to connect, to go quiet (waiting for
 * the response head or between two body chunks) and in total, how many redirects it follows,
 * and how many bytes a small document may have. Bigger downloads are bounded by the size their
 * metadata declares, or by `maxMetadataBytes`.
 */
export interface OutboundLimits {
  /** Connecting (TCP + TLS), in ms. */
  connectTimeoutMs: number;
  /** Longest silence: waiting for the response head, or between two body chunks, in ms. */
  idleTimeoutMs: number;
  /** One request from start to the last body byte, in ms. */
  totalTimeoutMs: number;
  /** Redirects followed per request (each hop checked by the egress policy). */
  maxRedirects: number;
  /** repomd.xml, its signature, a metalink, a key: read whole, so small. */
  maxDocumentBytes: number;
  /** A metadata file whose size repomd.xml does not state (compressed, as downloaded). */
  maxMetadataBytes: number;
  /** Decompressed XML read from one metadata file. */
  maxXmlBytes: number;
  /** One `<package>` element of primary.xml (or one element of any other document). */
  maxXmlElementBytes: number;
}

export const DEFAULT_OUTBOUND_LIMITS: OutboundLimits = {
  connectTimeoutMs: 10_000,
  idleTimeoutMs: 30_000,
  totalTimeoutMs: 30 * 60_000,
  maxRedirects: 5,
  maxDocumentBytes: 16 * 1024 ** 2,
  maxMetadataBytes: 1024 ** 3,
  maxXmlBytes: 4 * 1024 ** 3,
  maxXmlElementBytes: 8 * 1024 ** 2,
};
