/**
 * Outbound HTTP on Node (the server, Azure Functions and `berth sync`): undici's fetch through an
 * Agent whose connect-time DNS lookup resolves the name, checks EVERY address it resolved to
 * against the egress policy and hands only checked addresses to the socket. The check and the
 * connection use the same answer, so a name that resolves to a public address for a check and to
 * a private one for the connection (DNS rebinding) cannot slip through. IP literals never reach
 * a lookup: src/net checks them on each hop before the request.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { Agent, fetch as undiciFetch } from 'undici';
import { checkResolved, type EgressPolicy } from '../../net/egress-policy.js';
import type { OutboundLimits } from '../../net/limits.js';
import { createOutbound, type Outbound, type Transport } from '../../net/outbound.js';

type LookupCallback = (err: Error | null, address: string | LookupAddress[], family?: number) => void;
type Resolve = (hostname: string, cb: (err: Error | null, addresses: LookupAddress[]) => void) => void;

const systemResolve: Resolve = (hostname, cb) => dnsLookup(hostname, { all: true, verbatim: true }, cb);

/** A `net.connect` lookup that refuses names resolving to any address the policy refuses. */
export function checkingLookup(policy: EgressPolicy, resolve: Resolve = systemResolve) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    resolve(hostname, (err, all) => {
      if (err) return callback(err, []);
      const wanted = options.family === 4 || options.family === 6 ? all.filter((a) => a.family === options.family) : all;
      try {
        // every address the name has, not only the family asked for: any refused one refuses the name
        checkResolved(policy, hostname, all.map((a) => a.address));
      } catch (e) {
        return callback(e as Error, []);
      }
      if (wanted.length === 0) return callback(Object.assign(new Error(`${hostname} has no IPv${options.family} address`), { code: 'ENOTFOUND' }), []);
      if (options.all) return callback(null, wanted);
      const first = wanted[0] as LookupAddress;
      return callback(null, first.address, first.family);
    });
  };
}

/** A transport for `createOutbound`: `policy` 'unrestricted' skips the address check (berth sync). */
export function nodeTransport(policy: EgressPolicy | 'unrestricted', limits: OutboundLimits, resolve?: Resolve): Transport {
  const agent = new Agent({
    connect: {
      timeout: limits.connectTimeoutMs,
      ...(policy === 'unrestricted' ? {} : { lookup: checkingLookup(policy, resolve) }),
    },
    headersTimeout: limits.connectTimeoutMs + limits.idleTimeoutMs,
    bodyTimeout: limits.idleTimeoutMs,
  });
  return (url, init) => undiciFetch(url, { ...init, dispatcher: agent }) as unknown as Promise<Response>;
}

/** The server's outbound client: the policy enforced on every hop and at connect time. */
export function nodeOutbound(policy: EgressPolicy | 'unrestricted', limits: OutboundLimits, userAgent = 'berth'): Outbound {
  return createOutbound({ transport: nodeTransport(policy, limits), policy, limits, userAgent });
}
