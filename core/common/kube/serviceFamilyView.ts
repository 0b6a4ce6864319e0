import type { L4Protocol, NotProxiedReason, Service, ServicePort, ServicePortId } from '../model';
import { namespaceOf } from './clusterIndex';

// One Service as one address family's kube-proxy sees it: pkg/proxy/serviceport.go
// newBaseServiceInfo, pkg/proxy/util (GetClusterIPByFamily, MapIPsByIPFamily, IsVIPMode,
// ShouldSkipService), pkg/api/v1/service (ExternalPolicyLocal, InternalPolicyLocal) and the
// label selector of cmd/kube-proxy/app/server.go.

export const LABEL_SERVICE_PROXY_NAME = 'service.kubernetes.io/service-proxy-name';
export const LABEL_HEADLESS = 'service.kubernetes.io/headless';
export const DEFAULT_AFFINITY_SECONDS = 10800;

export interface ServiceFamilyView {
  notProxiedReason?: NotProxiedReason;
  clusterIP?: string;
  externalIPs: string[];
  /** LB ingress IPs of this family in VIP mode (ipMode Proxy gets no rules, KEP-1860). */
  loadBalancerIPs: string[];
  /** loadBalancerSourceRanges trimmed (validation allows padding) and of this family. */
  sourceRanges: string[];
  internalPolicyLocal: boolean;
  externalPolicyLocal: boolean;
  affinitySeconds?: number;
}

/** 6 when the address (or CIDR) contains ':', else 4. */
export function familyOf(address: string): 4 | 6 {
  return address.includes(':') ? 6 : 4;
}

/** `TCP` -> `tcp`; absent protocol is TCP (API default). */
export function l4Protocol(protocol: string | null | undefined): L4Protocol {
  const p = (protocol || 'TCP').toLowerCase();
  return p === 'udp' || p === 'sctp' ? p : 'tcp';
}

export function servicePortId(service: Service, port: ServicePort): ServicePortId {
  return {
    namespace: namespaceOf(service.metadata),
    name: service.metadata.name,
    portName: port.name ?? '',
    protocol: l4Protocol(port.protocol),
  };
}

function isIpSet(ip: string | undefined): ip is string {
  return ip !== undefined && ip !== '' && ip !== 'None';
}

/** GetClusterIPByFamily: by ipFamilies/clusterIPs, or the single clusterIP's family (skew). */
export function clusterIPByFamily(service: Service, family: 4 | 6): string | undefined {
  const spec = service.spec;
  const families = spec.ipFamilies;
  if (!families || families.length === 0) {
    const ip = spec.clusterIP ?? spec.clusterIPs?.[0];
    return isIpSet(ip) && familyOf(ip) === family ? ip : undefined;
  }
  const want = family === 6 ? 'IPv6' : 'IPv4';
  const ips = spec.clusterIPs ?? (spec.clusterIP !== undefined ? [spec.clusterIP] : []);
  for (let i = 0; i < families.length; i++) {
    if (families[i] === want) return isIpSet(ips[i]) ? ips[i] : undefined;
  }
  return undefined;
}

/** The addresses of `family` in `ips` (MapIPsByIPFamily). */
export function familyIPs(ips: readonly string[] | undefined, family: 4 | 6): string[] {
  const out: string[] = [];
  if (ips) for (const ip of ips) if (typeof ip === 'string' && ip !== '' && familyOf(ip) === family) out.push(ip);
  return out;
}

/** LB ingress IPs of `family` that get rules: VIP mode only (ipMode Proxy is skipped, KEP-1860). */
export function loadBalancerVIPs(service: Service, family: 4 | 6): string[] {
  const out: string[] = [];
  const ingress = service.status?.loadBalancer?.ingress;
  if (ingress) {
    for (const ing of ingress) {
      if (!ing || !ing.ip || ing.ipMode === 'Proxy') continue;
      if (familyOf(ing.ip) === family) out.push(ing.ip);
    }
  }
  return out;
}

/** Why kube-proxy ignores the Service altogether (any family), if it does. */
export function notProxiedReason(service: Service): NotProxiedReason | undefined {
  const labels = service.metadata.labels;
  if (labels && labels[LABEL_SERVICE_PROXY_NAME] !== undefined) return 'service-proxy-name';
  if (service.spec.type === 'ExternalName') return 'external-name';
  if (labels && labels[LABEL_HEADLESS] !== undefined) return 'headless';
  const ip = service.spec.clusterIP ?? service.spec.clusterIPs?.[0];
  if (!isIpSet(ip)) return 'headless';
  return undefined;
}

export function serviceFamilyView(service: Service, family: 4 | 6): ServiceFamilyView {
  const spec = service.spec;
  const clusterIP = clusterIPByFamily(service, family);
  let reason = notProxiedReason(service);
  if (reason === undefined && clusterIP === undefined) reason = 'no-cluster-ip-family';

  const externalIPs = familyIPs(spec.externalIPs, family);
  const loadBalancerIPs = loadBalancerVIPs(service, family);

  const sourceRanges: string[] = [];
  for (const raw of spec.loadBalancerSourceRanges ?? []) {
    const cidr = typeof raw === 'string' ? raw.trim() : '';
    if (cidr && familyOf(cidr) === family) sourceRanges.push(cidr);
  }

  const externalCapable = spec.type === 'LoadBalancer' || spec.type === 'NodePort' || (spec.externalIPs?.length ?? 0) > 0;
  const view: ServiceFamilyView = {
    clusterIP,
    externalIPs,
    loadBalancerIPs,
    sourceRanges,
    internalPolicyLocal: spec.internalTrafficPolicy === 'Local',
    externalPolicyLocal: externalCapable && spec.externalTrafficPolicy === 'Local',
  };
  if (reason !== undefined) view.notProxiedReason = reason;
  if (spec.sessionAffinity === 'ClientIP') {
    view.affinitySeconds = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_SECONDS;
  }
  return view;
}
