/**
 * IP addresses as 16 bytes (IPv4 as the IPv4-mapped IPv6 address ::ffff:a.b.c.d, so one range
 * table covers both families and a mapped address is judged as the IPv4 address it is), CIDR
 * ranges, and the special-purpose ranges an outbound request must not reach by default.
 */

export interface Ip {
  /** 16 bytes; IPv4 is stored mapped (::ffff:a.b.c.d). */
  bytes: Uint8Array;
  /** True when written as IPv4 (or mapped/compatible from it): prefix lengths count from bit 96. */
  v4: boolean;
}

export interface Cidr {
  base: Uint8Array;
  /** Prefix length over the 128-bit form. */
  bits: number;
  text: string;
}

function parseV4(s: string): Uint8Array | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] as string;
    // dotted decimal only: no octal (010), hex (0x7f) or shortened forms (127.1), which resolvers disagree on
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return null;
    out[i] = Number(p);
  }
  return out;
}

function parseV6(s: string): Uint8Array | null {
  let text = s;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  let tail: Uint8Array | null = null;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    tail = parseV4(text.slice(lastColon + 1));
    if (!tail) return null;
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = (h: string): number[] | null => {
    if (h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = groups(halves[0] as string);
  const rest = halves.length === 2 ? groups(halves[1] as string) : [];
  if (!head || !rest) return null;
  const missing = 8 - head.length - rest.length;
  if ((halves.length === 1 && missing !== 0) || (halves.length === 2 && missing < 1)) return null;
  const all = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...rest];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  if (tail) out.set(tail, 12);
  return out;
}

const mapped = (v4: Uint8Array): Uint8Array => {
  const out = new Uint8Array(16);
  out[10] = 0xff;
  out[11] = 0xff;
  out.set(v4, 12);
  return out;
};

/** An IPv4 or IPv6 literal (brackets allowed), or null. */
export function parseIp(text: string): Ip | null {
  const s = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const v4 = parseV4(s);
  if (v4) return { bytes: mapped(v4), v4: true };
  if (!s.includes(':')) return null;
  const v6 = parseV6(s);
  if (!v6) return null;
  return { bytes: v6, v4: isMapped(v6) };
}

function isMapped(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

/** `10.0.0.0/8`, `fd00::/8`, or a bare address (a /32 or /128). */
export function parseCidr(text: string): Cidr | null {
  const slash = text.indexOf('/');
  const ip = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (!ip) return null;
  const max = ip.v4 ? 32 : 128;
  let bits = max;
  if (slash >= 0) {
    const b = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(b) || Number(b) > max) return null;
    bits = Number(b);
  }
  return { base: ip.bytes, bits: ip.v4 ? bits + 96 : bits, text };
}

export function inCidr(ip: Ip, cidr: Cidr): boolean {
  const full = cidr.bits >> 3;
  for (let i = 0; i < full; i++) if (ip.bytes[i] !== cidr.base[i]) return false;
  const rest = cidr.bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((ip.bytes[full] as number) & mask) === ((cidr.base[full] as number) & mask);
}

const range = (text: string, why: string): { cidr: Cidr; why: string } => ({ cidr: parseCidr(text) as Cidr, why });

/**
 * Addresses an outbound request refuses unless the operator allows them (IANA special-purpose
 * registries; the cloud metadata services are listed first so they are named as such).
 */
const REFUSED = [
  range('169.254.169.254', 'a cloud metadata service'),
  range('fd00:ec2::254', 'a cloud metadata service'),
  range('100.100.100.200', 'a cloud metadata service'),
  range('0.0.0.0/8', 'unspecified ("this network")'),
  range('127.0.0.0/8', 'loopback'),
  range('10.0.0.0/8', 'private (RFC 1918)'),
  range('172.16.0.0/12', 'private (RFC 1918)'),
  range('192.168.0.0/16', 'private (RFC 1918)'),
  range('100.64.0.0/10', 'shared address space (CGNAT)'),
  range('169.254.0.0/16', 'link-local'),
  range('192.0.0.0/24', 'IETF protocol assignments'),
  range('192.0.2.0/24', 'documentation'),
  range('198.51.100.0/24', 'documentation'),
  range('203.0.113.0/24', 'documentation'),
  range('198.18.0.0/15', 'benchmarking'),
  range('224.0.0.0/4', 'multicast'),
  range('240.0.0.0/4', 'reserved'),
  range('::/128', 'unspecified'),
  range('::1/128', 'loopback'),
  range('::/96', 'IPv4-compatible (deprecated)'),
  range('64:ff9b::/96', 'NAT64 (embeds an IPv4 address)'),
  range('64:ff9b:1::/48', 'local NAT64'),
  range('100::/64', 'discard-only'),
  range('2001:db8::/32', 'documentation'),
  range('2002::/16', '6to4 (embeds an IPv4 address)'),
  range('fc00::/7', 'unique local (ULA)'),
  range('fe80::/10', 'link-local'),
  range('fec0::/10', 'site-local (deprecated)'),
  range('ff00::/8', 'multicast'),
];

/** Why `ip` is refused by default (loopback, private, …), or null for a public address. */
export function refusedReason(ip: Ip): string | null {
  for (const r of REFUSED) if (inCidr(ip, r.cidr)) return r.why;
  return null;
}

/** Canonical text of an address, for messages: IPv4 dotted, IPv6 in full hex groups. */
export function formatIp(ip: Ip): string {
  const b = ip.bytes;
  if (isMapped(b)) return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((b[i] as number) << 8) | (b[i + 1] as number)).toString(16));
  return groups.join(':');
}
