/**
 * The egress policy every server-side fetch obeys: http(s) only, and no address that is
 * loopback, private, link-local, unspecified, multicast, reserved or a cloud metadata service —
 * judged on the literal in the URL and, where the runtime lets Berth resolve names itself, on
 * every address a name resolves to, at connect time and on every redirect hop. The operator may
 * allow specific hosts or CIDR ranges (`BERTH_EGRESS_ALLOW`).
 */
import { OutboundError } from './errors.js';
import { formatIp, inCidr, parseCidr, parseIp, refusedReason, type Cidr, type Ip } from './ip.js';

export interface EgressPolicy {
  /** Host names allowed whatever they resolve to (lowercase, no trailing dot). */
  hosts: ReadonlySet<string>;
  /** Address ranges allowed although special-purpose. */
  cidrs: readonly Cidr[];
}

/** Nothing special-purpose allowed: the default. */
export const DEFAULT_EGRESS_POLICY: EgressPolicy = { hosts: new Set(), cidrs: [] };

const HOST = /^(?=.{1,253}$)(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

export class EgressSettingError extends Error {
  override name = 'EgressSettingError';
}

/** `mirror.internal, 10.1.0.0/16, 127.0.0.1, ::1` → a policy; throws on an entry that is neither. */
export function parseEgressAllow(entries: readonly string[]): EgressPolicy {
  const hosts = new Set<string>();
  const cidrs: Cidr[] = [];
  for (const raw of entries) {
    const e = raw.trim().toLowerCase();
    if (e === '') continue;
    const cidr = parseCidr(e);
    if (cidr) cidrs.push(cidr);
    else if (HOST.test(e.replace(/\.$/, ''))) hosts.add(e.replace(/\.$/, ''));
    else throw new EgressSettingError(`${JSON.stringify(raw)} is neither a host name nor an IP address or CIDR range`);
  }
  return { hosts, cidrs };
}

const normalHost = (hostname: string): string => hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');

export function hostAllowed(policy: EgressPolicy, hostname: string): boolean {
  return policy.hosts.has(normalHost(hostname));
}

/** Why the address is refused under `policy`, or null when it may be contacted. */
export function addressRefusal(policy: EgressPolicy, ip: Ip): string | null {
  const why = refusedReason(ip);
  if (why === null) return null;
  return policy.cidrs.some((c) => inCidr(ip, c)) ? null : why;
}

const refused = (url: string, what: string): OutboundError =>
  new OutboundError('egress_refused', `refusing to fetch ${url}: ${what} (allow it with BERTH_EGRESS_ALLOW)`, { url });

/**
 * Checks a URL before it is requested (and each redirect target): the scheme, credentials in the
 * URL, and an IP literal host. Names are checked when they resolve (`checkResolved`).
 */
export function checkUrl(policy: EgressPolicy, url: URL): void {
  const shown = `${url.protocol}//${url.host}${url.pathname}`;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new OutboundError('egress_refused', `refusing to fetch ${shown}: only http and https are allowed`, { url: shown });
  }
  if (url.username !== '' || url.password !== '') {
    throw new OutboundError('egress_refused', `refusing to fetch ${url.protocol}//${url.hostname}${url.pathname}: credentials in the URL`, {});
  }
  if (hostAllowed(policy, url.hostname)) return;
  const ip = parseIp(url.hostname);
  if (ip) {
    const why = addressRefusal(policy, ip);
    if (why) throw refused(shown, `${formatIp(ip)} is ${why}`);
    return;
  }
  // a name must have a dot (single labels resolve through search domains to internal hosts) and
  // must not be a name every resolver maps to loopback
  const host = normalHost(url.hostname);
  if (!host.includes('.') || host === 'localhost' || host.endsWith('.localhost')) throw refused(shown, `${host} is a local name`);
}

/** Checks every address `hostname` resolved to: one refused address refuses the name. */
export function checkResolved(policy: EgressPolicy, hostname: string, addresses: readonly string[]): void {
  if (hostAllowed(policy, hostname)) return;
  if (addresses.length === 0) throw new OutboundError('upstream_unreachable', `${hostname} did not resolve`);
  for (const a of addresses) {
    const ip = parseIp(a);
    if (!ip) throw refused(hostname, `it resolved to ${JSON.stringify(a)}, which is not an address`);
    const why = addressRefusal(policy, ip);
    if (why) throw refused(hostname, `it resolves to ${formatIp(ip)}, which is ${why}`);
  }
}
