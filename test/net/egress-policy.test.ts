// The egress policy on addresses and URLs: every special-purpose range refused by default (IPv4,
// IPv6, IPv4-mapped IPv6, the cloud metadata services), http(s) only, and the operator allowlist.
import { describe, expect, it } from 'vitest';
import { checkResolved, checkUrl, DEFAULT_EGRESS_POLICY, parseEgressAllow } from '../../src/net/egress-policy.js';
import { formatIp, parseCidr, parseIp, refusedReason } from '../../src/net/ip.js';
import { loadSettings } from '../../src/settings/load.js';
import { outboundSettings } from '../../src/settings/outbound.js';

const outboundSettingsFrom = (env: Record<string, string>) => outboundSettings(loadSettings('node', env).values);

const reason = (a: string): string | null => refusedReason(parseIp(a)!);

describe('addresses', () => {
  it.each([
    ['127.0.0.1', 'loopback'], ['127.255.0.9', 'loopback'], ['::1', 'loopback'],
    ['10.1.2.3', 'private'], ['172.16.0.1', 'private'], ['172.31.255.255', 'private'], ['192.168.1.1', 'private'],
    ['100.64.0.1', 'CGNAT'], ['100.127.255.254', 'CGNAT'],
    ['169.254.169.254', 'metadata'], ['fd00:ec2::254', 'metadata'], ['100.100.100.200', 'metadata'],
    ['169.254.1.1', 'link-local'], ['fe80::1', 'link-local'],
    ['fc00::1', 'unique local'], ['fd12:3456::1', 'unique local'],
    ['0.0.0.0', 'unspecified'], ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'], ['ff02::1', 'multicast'], ['255.255.255.255', 'reserved'],
    // IPv4-mapped IPv6 is judged as the IPv4 address it carries, in either spelling
    ['::ffff:127.0.0.1', 'loopback'], ['::ffff:7f00:1', 'loopback'], ['::ffff:a9fe:a9fe', 'metadata'], ['::ffff:10.0.0.1', 'private'],
    ['64:ff9b::7f00:1', 'NAT64'], ['2002:7f00:1::', '6to4'],
  ])('%s is refused (%s)', (addr, why) => {
    expect(reason(addr)).toMatch(new RegExp(why === 'metadata' ? 'metadata' : why, 'i'));
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('%s is public', (addr) => {
    expect(reason(addr)).toBeNull();
  });

  it('parses only canonical literals, and CIDRs over both families', () => {
    for (const bad of ['127.1', '0x7f.0.0.1', '0177.0.0.1', '1.2.3.4.5', '1::2::3', ':::', 'example.com']) expect(parseIp(bad), bad).toBeNull();
    expect(formatIp(parseIp('[::ffff:127.0.0.1]')!)).toBe('127.0.0.1');
    expect(parseCidr('10.0.0.0/33')).toBeNull();
    expect(parseCidr('fd00::/129')).toBeNull();
  });
});

describe('URLs', () => {
  const refused = (url: string, policy = DEFAULT_EGRESS_POLICY) => {
    try {
      checkUrl(policy, new URL(url));
      return null;
    } catch (e) {
      return e as { code: string; message: string };
    }
  };

  it('http(s) only, no credentials in the URL, no local names, no special-purpose literal', () => {
    for (const u of ['file:///etc/passwd', 'ftp://ftp.example.com/', 'gopher://example.com/']) expect(refused(u)?.code, u).toBe('egress_refused');
    for (const u of ['http://user:pw@example.com/', 'http://localhost/', 'http://a.localhost/', 'http://intranet/',
      'http://127.0.0.1/', 'http://[::1]/', 'http://[::ffff:127.0.0.1]/', 'http://169.254.169.254/latest/meta-data/',
      'http://[fd00:ec2::254]/', 'http://100.100.100.200/', 'http://0x7f000001/', 'http://2130706433/', 'http://0/']) {
      expect(refused(u)?.code, u).toBe('egress_refused');
    }
    expect(refused('https://mirror.example.com/repo/')).toBeNull();
    expect(refused('http://8.8.8.8/')).toBeNull();
    // the message names the address class, never a query string
    expect(refused('http://169.254.169.254/x?token=SECRET')?.message).toMatch(/metadata service/);
    expect(refused('http://169.254.169.254/x?token=SECRET')?.message).not.toContain('SECRET');
  });

  it('the operator allows hosts and CIDR ranges, nothing more', () => {
    const policy = parseEgressAllow(['127.0.0.1', ' 10.20.0.0/16', 'mirror.internal', 'fd00:1::/32']);
    expect(refused('http://127.0.0.1:8080/', policy)).toBeNull();
    expect(refused('http://127.0.0.2:8080/', policy)?.code).toBe('egress_refused');
    expect(refused('http://10.20.3.4/', policy)).toBeNull();
    expect(refused('http://10.21.3.4/', policy)?.code).toBe('egress_refused');
    expect(refused('http://[fd00:1::5]/', policy)).toBeNull();
    expect(refused('http://mirror.internal/', policy)).toBeNull();
    expect(refused('http://169.254.169.254/', policy)?.code).toBe('egress_refused');
    expect(() => parseEgressAllow(['not a host!'])).toThrow(/neither a host name/);
  });

  it('a name is refused when ANY address it resolves to is refused', () => {
    expect(() => checkResolved(DEFAULT_EGRESS_POLICY, 'up.example.com', ['93.184.216.34'])).not.toThrow();
    expect(() => checkResolved(DEFAULT_EGRESS_POLICY, 'up.example.com', ['93.184.216.34', '10.0.0.7'])).toThrow(/10\.0\.0\.7.*private/);
    expect(() => checkResolved(DEFAULT_EGRESS_POLICY, 'up.example.com', ['::ffff:169.254.169.254'])).toThrow(/metadata/);
    expect(() => checkResolved(parseEgressAllow(['up.example.com']), 'up.example.com', ['10.0.0.7'])).not.toThrow();
  });
});

describe('settings', () => {
  it('defaults refuse loopback; values parse with units; bad values name the setting', () => {
    const d = outboundSettingsFrom({});
    expect(d.policy.cidrs).toEqual([]);
    expect(d.limits).toMatchObject({ connectTimeoutMs: 10_000, idleTimeoutMs: 30_000, maxRedirects: 5 });
    const s = outboundSettingsFrom({ BERTH_EGRESS_ALLOW: '127.0.0.1,::1', BERTH_UPSTREAM_IDLE_TIMEOUT: '5s', BERTH_UPSTREAM_TOTAL_TIMEOUT: '2m', BERTH_UPSTREAM_MAX_DOCUMENT_BYTES: '1M' });
    expect(s.policy.cidrs.map((c) => c.text)).toEqual(['127.0.0.1', '::1']);
    expect(s.limits).toMatchObject({ idleTimeoutMs: 5000, totalTimeoutMs: 120_000, maxDocumentBytes: 1024 ** 2 });
    expect(() => outboundSettingsFrom({ BERTH_UPSTREAM_IDLE_TIMEOUT: 'soon' })).toThrow(/BERTH_UPSTREAM_IDLE_TIMEOUT/);
    expect(() => outboundSettingsFrom({ BERTH_EGRESS_ALLOW: 'a b' })).toThrow(/BERTH_EGRESS_ALLOW/);
    expect(() => outboundSettingsFrom({ BERTH_MIRROR_TENANTS: '0' })).toThrow(/BERTH_MIRROR_TENANTS/);
  });
});
