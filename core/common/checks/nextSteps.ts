// Concrete commands for Finding.nextSteps. Kept in one place so wording and flags stay consistent.

export function getSlices(namespace: string, name: string): string {
  return `kubectl -n ${namespace} get endpointslices -l kubernetes.io/service-name=${name} -o wide`;
}

export function describeService(namespace: string, name: string): string {
  return `kubectl -n ${namespace} describe service ${name}`;
}

export function describePodCmd(namespace: string, name: string): string {
  return `kubectl -n ${namespace} describe pod ${name}`;
}

export function podsBySelector(namespace: string, selector: Record<string, string> | undefined): string {
  const sel = selector ? Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',') : '';
  return sel
    ? `kubectl -n ${namespace} get pods -l ${sel} -o wide`
    : `kubectl -n ${namespace} get pods -o wide`;
}

export function findPodByIp(ip: string): string {
  return `kubectl get pods -A -o wide --field-selector status.podIP=${ip}`;
}

/** The kube-proxy pod that owns the node's rules, then its logs. */
export function kubeProxyLogs(node: string | null): string[] {
  if (node === null) return ['kubectl -n kube-system logs ds/kube-proxy --tail=200'];
  return [
    `kubectl -n kube-system get pods -o wide --field-selector spec.nodeName=${node} | grep kube-proxy`,
    'kubectl -n kube-system logs <kube-proxy pod from the line above> --tail=200',
  ];
}

export function restartKubeProxy(node: string): string {
  return `kubectl -n kube-system delete pod <kube-proxy pod on ${node}>   # the DaemonSet recreates it and it rewrites all rules`;
}

export function grepRules(node: string, pattern: string, tool = 'iptables-save'): string {
  return `on ${node}: ${tool} | grep -- '${pattern}'`;
}
