// Node-side commands for the catalog checks' nextSteps (the kubectl ones live in ../nextSteps.ts).
// Every command names the node it must run on, since these dumps are per node.

export function onNode(node: string, command: string): string {
  return `on ${node}: ${command}`;
}

export function podsOnNode(node: string, namespace?: string): string {
  return namespace
    ? `kubectl -n ${namespace} get pods -o wide --field-selector spec.nodeName=${node}`
    : `kubectl get pods -A -o wide --field-selector spec.nodeName=${node}`;
}

export function conntrackList(node: string, filter: string): string {
  return onNode(node, `conntrack -L -p udp ${filter}`);
}

export function conntrackDelete(node: string, filter: string): string {
  return onNode(node, `conntrack -D -p udp ${filter}   # kube-proxy's own cleanup, done by hand`);
}

export function ipvsList(node: string, vs?: { protocol: string; ip: string; port: number }): string {
  if (!vs) return onNode(node, 'ipvsadm -Ln --exact');
  const flag = vs.protocol === 'udp' ? '-u' : vs.protocol === 'sctp' ? '--sctp-service' : '-t';
  const addr = vs.ip.includes(':') ? `[${vs.ip}]:${vs.port}` : `${vs.ip}:${vs.port}`;
  return onNode(node, `ipvsadm -Ln --exact ${flag} ${addr}`);
}

export function ipsetList(node: string, set: string): string {
  return onNode(node, `ipset list ${set}`);
}

export function kubeIpvs0(node: string): string {
  return onNode(node, 'ip -o addr show dev kube-ipvs0');
}

export function nftChain(node: string, family: 4 | 6, chain: string): string {
  return onNode(node, `nft list chain ${family === 6 ? 'ip6' : 'ip'} kube-proxy '${chain}'`);
}
