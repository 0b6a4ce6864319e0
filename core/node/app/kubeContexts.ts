import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ApiResult, ContextView, ExecApprovalRequest } from '../../common/contract';
import { fail, ok } from '../../common/contract';
import { execApprovalsPath, isExecApproved, loadExecApprovals, saveExecApproval } from '../kube/execApproval';
import type { ContextInfo, Kubeconfig } from '../kube/kubeconfig';
import { kubeconfigPaths, KubeconfigError, listContexts, loadKubeconfig } from '../kube/kubeconfig';

// The Clusters view's kubeconfig side, as `proxyscope contexts` does it (cli/commands/contexts.ts):
// contexts as kubectl merges them (--kubeconfig, else KUBECONFIG, else ~/.kube/config), each
// with its own problem, and exec credential plugins with their approval state. Reads files only;
// approving stores the plugin's command + args + env names in Proxyscope's own config dir.

export interface KubeSettings {
  /** BackendOptions.kubeconfig. */
  kubeconfig?: string;
  home?: string;
}

export function approvalsFile(settings: KubeSettings): string {
  return execApprovalsPath(process.env, settings.home ?? homedir());
}

/** Proxyscope's own known_hosts, next to the approvals (the only file accept-new writes). */
export function ownKnownHostsFile(settings: KubeSettings): string {
  return join(dirname(approvalsFile(settings)), 'known_hosts');
}

/**
 * The one kubeconfig file to hand to code that only takes an explicit path (scanCluster), or
 * undefined when KUBECONFIG decides (that code reads the environment itself).
 */
export function explicitKubeconfig(settings: KubeSettings, requested: string | undefined): string | undefined {
  const explicit = requested ?? settings.kubeconfig;
  if (explicit !== undefined) return explicit;
  const { paths, origin } = kubeconfigPaths(settings.home !== undefined ? { home: settings.home } : {});
  return origin === 'default' ? paths[0] : undefined;
}

export function loadContexts(settings: KubeSettings, requested: string | undefined): { kc: Kubeconfig; contexts: ContextInfo[] } {
  const explicit = requested ?? settings.kubeconfig;
  const kc = loadKubeconfig({ ...(explicit !== undefined ? { explicit } : {}), ...(settings.home !== undefined ? { home: settings.home } : {}) });
  return { kc, contexts: listContexts(kc) };
}

export function execOf(c: ContextInfo): ExecApprovalRequest | undefined {
  return c.exec ? { command: c.exec.command, args: c.exec.args, envNames: c.exec.envNames } : undefined;
}

function kubeconfigFailure(err: unknown): ApiResult<never> {
  if (err instanceof KubeconfigError) return fail('not-found', err.message);
  throw err;
}

export function contexts(settings: KubeSettings, requested: string | undefined): ApiResult<ContextView[]> {
  let loaded;
  try {
    loaded = loadContexts(settings, requested);
  } catch (err) {
    return kubeconfigFailure(err);
  }
  const approvals = loadExecApprovals(approvalsFile(settings));
  const storeWarnings = approvals.warning ? [approvals.warning] : [];
  return ok(
    loaded.contexts.map((c): ContextView => {
      const exec = execOf(c);
      return {
        name: c.name,
        cluster: c.cluster,
        user: c.user,
        ...(c.server !== undefined ? { server: c.server } : {}),
        current: c.current,
        ...(c.error !== undefined ? { error: c.error } : {}),
        warnings: [...c.warnings, ...(exec ? storeWarnings : [])],
        auth: c.auth,
        ...(exec ? { exec } : {}),
        execApproved: exec ? isExecApproved(exec, approvals) : false,
      };
    }),
  );
}

export function approveExec(settings: KubeSettings, context: string, requested: string | undefined): ApiResult<true> {
  let loaded;
  try {
    loaded = loadContexts(settings, requested);
  } catch (err) {
    return kubeconfigFailure(err);
  }
  const c = loaded.contexts.find((x) => x.name === context);
  if (!c) return fail('not-found', `context ${JSON.stringify(context)} is not in the kubeconfig`);
  const exec = execOf(c);
  if (!exec) return fail('not-found', `context ${JSON.stringify(context)} has no credential plugin (exec) to approve`);
  saveExecApproval(exec, approvalsFile(settings));
  return ok(true);
}
