import { parseYaml } from './yaml';

// What the API says about kube-proxy itself: the mode in its ConfigMap (kubeadm writes a
// KubeProxyConfiguration under `config.conf`; '' means the platform default, iptables on
// Linux) and its pods (kubeadm/kind/EKS label them k8s-app=kube-proxy, GKE's static pods
// component=kube-proxy) with restarts and version - a crash-looping kube-proxy explains stale
// rules better than any rule diff.

export interface KubeProxyPod {
  name: string;
  node?: string;
  phase?: string;
  ready: boolean;
  restarts: number;
  image?: string;
  /** The image tag when it looks like a version (v1.34.1). */
  version?: string;
  lastTerminationReason?: string;
}

export interface KubeProxyInfo {
  /** `mode:` of the KubeProxyConfiguration; '' = not set (platform default). */
  configMapMode?: string;
  /** The ConfigMap key it came from. */
  configMapKey?: string;
  configMapFound: boolean;
  pods: KubeProxyPod[];
}

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {};
}

export function isKubeProxyPod(pod: Obj): boolean {
  const meta = obj(pod.metadata);
  const labels = obj(meta.labels);
  return meta.namespace === 'kube-system' && (labels['k8s-app'] === 'kube-proxy' || labels.component === 'kube-proxy');
}

export function kubeProxyPod(pod: Obj): KubeProxyPod {
  const meta = obj(pod.metadata);
  const spec = obj(pod.spec);
  const status = obj(pod.status);
  const statuses = Array.isArray(status.containerStatuses) ? status.containerStatuses.map(obj) : [];
  const main = statuses.find((s) => s.name === 'kube-proxy') ?? statuses[0] ?? {};
  const containers = Array.isArray(spec.containers) ? spec.containers.map(obj) : [];
  const image = typeof main.image === 'string' ? main.image : typeof containers[0]?.image === 'string' ? (containers[0].image as string) : undefined;
  const tag = image?.includes(':') ? image.slice(image.lastIndexOf(':') + 1) : undefined;
  const conditions = Array.isArray(status.conditions) ? status.conditions.map(obj) : [];
  const terminated = obj(obj(main.lastState).terminated);
  return {
    name: String(meta.name ?? ''),
    ...(typeof spec.nodeName === 'string' ? { node: spec.nodeName } : {}),
    ...(typeof status.phase === 'string' ? { phase: status.phase } : {}),
    ready: conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
    restarts: statuses.reduce((n, s) => n + (typeof s.restartCount === 'number' ? s.restartCount : 0), 0),
    ...(image ? { image } : {}),
    ...(tag && /^v?\d+\.\d+/.test(tag) ? { version: tag } : {}),
    ...(typeof terminated.reason === 'string' ? { lastTerminationReason: terminated.reason } : {}),
  };
}

/** The `mode:` of a KubeProxyConfiguration document; undefined when it has none. */
export function kubeProxyModeOf(configText: string): string | undefined {
  try {
    const doc = obj(parseYaml(configText));
    if (typeof doc.mode === 'string') return doc.mode;
    if (doc.mode === null) return '';
    return doc.kind === 'KubeProxyConfiguration' ? '' : undefined;
  } catch {
    const m = /^mode:\s*["']?([A-Za-z]*)["']?\s*$/m.exec(configText);
    return m?.[1];
  }
}

export function configMapMode(cm: unknown): { mode?: string; key?: string } {
  const data = obj(obj(cm).data);
  // kubeadm: config.conf; some installers use other keys - try every value that parses.
  const keys = ['config.conf', ...Object.keys(data).filter((k) => k !== 'config.conf')];
  for (const key of keys) {
    const text = data[key];
    if (typeof text !== 'string') continue;
    const mode = kubeProxyModeOf(text);
    if (mode !== undefined) return { mode, key };
  }
  return {};
}
