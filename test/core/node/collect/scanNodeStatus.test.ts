import { describe, expect, it } from 'vitest';
import type { CommandStatus } from '../../../../core/node/collect/classifyCommand';
import type { NodeCommandId } from '../../../../core/node/collect/commands';
import { nodeStatusFromCommands, statusForSshError } from '../../../../core/node/collect/scanNodeStatus';
import type { CommandRecord, NodeScanStatus } from '../../../../core/node/collect/scanTypes';
import { SshError } from '../../../../core/node/ssh/sshError';
import type { SshErrorKind } from '../../../../core/node/ssh/sshError';

const cmd = (id: NodeCommandId, status: CommandStatus): CommandRecord => ({ id, file: `${id}.txt`, status, message: `${status} message`, durationMs: 1, bytes: 0, truncated: status === 'truncated', saved: status === 'ok' });

describe('nodeStatusFromCommands', () => {
  const cases: { name: string; commands: CommandRecord[]; status: NodeScanStatus; message?: RegExp }[] = [
    { name: 'a node with iptables-save and no ipvsadm is ok', commands: [cmd('iptables-save', 'ok'), cmd('ipvsadm', 'command-missing')], status: 'ok', message: /not installed: ipvsadm/ },
    { name: 'a node where kube-proxy does not answer on /metrics is still ok, with a note', commands: [cmd('iptables-save', 'ok'), cmd('metrics', 'failed')], status: 'ok', message: /kube-proxy did not answer: metrics/ },
    { name: 'a node with none of the data plane tools is command-missing', commands: [cmd('iptables-save', 'command-missing'), cmd('nft-json', 'command-missing'), cmd('ip-addr', 'ok')], status: 'command-missing' },
    { name: 'sudo refusing the root-only dumps is sudo-denied', commands: [cmd('iptables-save', 'sudo-denied'), cmd('ip-addr', 'ok')], status: 'sudo-denied' },
    { name: 'a cut dump makes the node truncated', commands: [cmd('iptables-save', 'truncated'), cmd('nft-json', 'ok')], status: 'truncated' },
    { name: 'an ordinary failure next to good dumps is partial', commands: [cmd('iptables-save', 'ok'), cmd('ipset', 'failed')], status: 'partial', message: /ipset: failed/ },
    { name: 'a channel lost without exit status is incomplete', commands: [cmd('iptables-save', 'incomplete')], status: 'incomplete' },
    { name: 'a command that ran out of time is timeout', commands: [cmd('iptables-save', 'ok'), cmd('conntrack', 'timeout')], status: 'timeout' },
    { name: 'cancellation wins over every other failure', commands: [cmd('iptables-save', 'truncated'), cmd('nft-json', 'cancelled')], status: 'cancelled' },
  ];
  it.each(cases)('$name', ({ commands, status, message }) => {
    const v = nodeStatusFromCommands(commands);
    expect(v.status).toBe(status);
    if (message) expect(v.message).toMatch(message);
  });
});

describe('statusForSshError', () => {
  const cases: [SshErrorKind, NodeScanStatus][] = [
    ['host-key-unknown', 'host-key-unknown'],
    ['host-key-mismatch', 'host-key-mismatch'],
    ['host-key-revoked', 'host-key-mismatch'],
    ['auth-failed', 'auth-failed'],
    ['unreachable', 'unreachable'],
    ['invalid-host', 'unreachable'],
    ['timeout', 'timeout'],
    ['cancelled', 'cancelled'],
    ['connection-lost', 'incomplete'],
  ];
  it.each(cases)('maps an SSH %s error to the node status %s', (kind, status) => {
    expect(statusForSshError(new SshError(kind, 'x'))).toBe(status);
  });
});
