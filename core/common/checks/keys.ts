import type { ExpectedServicePort, L4Protocol, ProgrammedServicePort, ServicePortId } from '../model';

// String keys used by every check to join the programmed model with the API side in Maps.
// One key shape per concept, so no check ever compares objects field by field.

/** `ns/name:portName/proto`, the identity kube-proxy gives a Service port (pkg/proxy/types.go ServicePortName + protocol). */
export function servicePortKey(id: ServicePortId): string {
  return `${id.namespace}/${id.name}:${id.portName}/${id.protocol}`;
}

/** `ns/name`, the Finding.service value. */
export function serviceRef(id: ServicePortId): string {
  return `${id.namespace}/${id.name}`;
}

/** Join key for a backend or endpoint: `ip:port` (IPv6 without brackets: the port is always last). */
export function endpointKey(ip: string, port: number): string {
  return `${ip}:${port}`;
}

/** `ip:port` as people read it: IPv6 addresses in brackets (Go net.JoinHostPort). */
export function formatEndpoint(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/**
 * Finding.port: the Service port's name, or its number as a string when unnamed. For an unnamed
 * port the number comes from the API when known, else from a ClusterIP frontend of the rules.
 */
export function findingPort(
  id: ServicePortId,
  expected?: ExpectedServicePort,
  programmed?: ProgrammedServicePort,
): string | null {
  if (id.portName !== '') return id.portName;
  if (expected) return String(expected.servicePort.port);
  const fe = programmed?.frontends.find((f) => f.kind === 'cluster-ip') ?? programmed?.frontends[0];
  return fe ? String(fe.port) : null;
}

/** `ns/name:port` for titles (port name, or number for unnamed ports). */
export function servicePortLabel(id: ServicePortId, port: string | null): string {
  return port === null || port === '' ? serviceRef(id) : `${serviceRef(id)}:${port}`;
}

export function protocolOf(id: ServicePortId | null): L4Protocol | null {
  return id ? id.protocol : null;
}
