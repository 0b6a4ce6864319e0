import type { ApiResult, TerminalRequest } from '../../common/contract';
import { fail, ok } from '../../common/contract';
import { nodeAddress } from '../collect/scanNodes';
import type { SshTarget } from './backendTypes';
import type { Session } from './sessions';

// Where a node terminal connects: the request's explicit host, else the Node object's address
// the way a scan dials it (InternalIP, ExternalIP, Hostname; core/node/collect/scanNodes.ts).
// The host is checked again by sshArgv before it reaches ssh.

export const DEFAULT_SSH_PORT = 22;

export function terminalTarget(req: TerminalRequest, session: Session | undefined): ApiResult<SshTarget> {
  let host = req.host;
  if (host === undefined) {
    const obj = session?.cluster?.state.nodes.find((n) => n.metadata?.name === req.node);
    host = obj ? nodeAddress(obj) : undefined;
  }
  if (host === undefined) {
    const why = session === undefined ? 'no snapshot names it' : 'the snapshot has no address for it';
    return fail('not-found', `node ${JSON.stringify(req.node)}: ${why}; give a host`);
  }
  return ok({
    host,
    port: req.port ?? DEFAULT_SSH_PORT,
    ...(req.user !== undefined ? { user: req.user } : {}),
    ...(req.identityFile !== undefined ? { identityFile: req.identityFile } : {}),
    ...(req.knownHostsFile !== undefined ? { knownHostsFile: req.knownHostsFile } : {}),
  });
}
