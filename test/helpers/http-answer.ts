/**
 * A response reduced to what two serving paths must agree on: status, headers (but Date, sorted)
 * and body bytes, with a multipart boundary (random per response) replaced by `BOUNDARY`.
 */
export type Answer = { status: number; headers: [string, string][]; body: Buffer };

export async function comparableAnswer(res: Response): Promise<Answer> {
  const boundary = /boundary=(\S+)/.exec(res.headers.get('content-type') ?? '')?.[1];
  const norm = (v: string): string => (boundary ? v.replaceAll(boundary, 'BOUNDARY') : v);
  const body = Buffer.from(await res.arrayBuffer());
  return {
    status: res.status,
    headers: [...res.headers].filter(([k]) => k !== 'date').map(([k, v]) => [k, norm(v)] as [string, string]).sort(),
    body: boundary ? Buffer.from(norm(body.toString('latin1')), 'latin1') : body,
  };
}
