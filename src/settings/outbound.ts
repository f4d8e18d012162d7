/**
 * The outbound settings (egress allowlist, upstream limits and timeouts, tenants mirrored at once)
 * as src/net and src/mirror take them, from the parsed settings of any runtime.
 */
import { DEFAULT_EGRESS_POLICY, type EgressPolicy } from '../net/egress-policy.js';
import type { OutboundLimits } from '../net/limits.js';
import type { ServerSettings } from './load.js';

export interface OutboundSettings {
  policy: EgressPolicy;
  limits: OutboundLimits;
  /** Tenants whose scheduled mirror runs may be in progress at once. */
  mirrorTenants: number;
}

export function outboundSettings(s: ServerSettings): OutboundSettings {
  return {
    policy: s.BERTH_EGRESS_ALLOW ?? DEFAULT_EGRESS_POLICY,
    limits: {
      connectTimeoutMs: s.BERTH_UPSTREAM_CONNECT_TIMEOUT * 1000,
      idleTimeoutMs: s.BERTH_UPSTREAM_IDLE_TIMEOUT * 1000,
      totalTimeoutMs: s.BERTH_UPSTREAM_TOTAL_TIMEOUT * 1000,
      maxRedirects: s.BERTH_UPSTREAM_MAX_REDIRECTS,
      maxDocumentBytes: s.BERTH_UPSTREAM_MAX_DOCUMENT_BYTES,
      maxMetadataBytes: s.BERTH_UPSTREAM_MAX_METADATA_BYTES,
      maxXmlBytes: s.BERTH_UPSTREAM_MAX_XML_BYTES,
      maxXmlElementBytes: s.BERTH_UPSTREAM_MAX_XML_ELEMENT_BYTES,
    },
    mirrorTenants: s.BERTH_MIRROR_TENANTS,
  };
}
