import { describe, expect, it } from 'vitest';
import { classifyCommand } from '../../../../core/node/collect/classifyCommand';
import type { CommandOutcome, CommandStatus } from '../../../../core/node/collect/classifyCommand';
import { SshError } from '../../../../core/node/ssh/sshError';

const base: CommandOutcome = { truncated: false, stderr: '', sudo: false, timeoutSec: 60, maxBytes: 1000, bytes: 10, command: 'iptables-save' };

const cases: [string, Partial<CommandOutcome>, CommandStatus, RegExp?][] = [
  ['exit 0 is ok', { exit: { code: 0 } }, 'ok'],
  ['a close without an exit status is incomplete, never ok', {}, 'incomplete', /without an exit status/],
  ['a lost connection without exit names the cause', { lost: new SshError('connection-lost', 'n1:22: connection closed') }, 'incomplete', /connection closed/],
  ['keepalives unanswered make it a timeout', { lost: new SshError('timeout', 'n1:22: no answer to keepalives', { timer: 'keepalive' }) }, 'timeout', /keepalives/],
  ['a session cancelled under a running command is cancelled', { lost: new SshError('cancelled', 'cancelled') }, 'cancelled'],
  ['our cancel wins over everything', { stopped: 'cancel', exit: { code: 0 } }, 'cancelled'],
  ['the byte cap is truncated even if the command then exited 0', { truncated: true, exit: { code: 0 } }, 'truncated'],
  ['the local backstop timer is a timeout', { stopped: 'timeout' }, 'timeout'],
  ['timeout(1) exit 124 is a timeout', { exit: { code: 124 } }, 'timeout'],
  ['exit 127 from timeout(1) is command-missing', { exit: { code: 127 }, stderr: "timeout: failed to run command 'ipvsadm': No such file or directory\n", command: 'ipvsadm' }, 'command-missing', /ipvsadm is not installed/],
  ['env not finding sudo is command-missing for sudo', { sudo: true, exit: { code: 127 }, stderr: "env: 'sudo': No such file or directory\n" }, 'command-missing', /^sudo is not installed/],
  ['sudo not finding timeout is command-missing', { sudo: true, exit: { code: 1 }, stderr: 'sudo: timeout: command not found\n' }, 'command-missing', /^timeout is not installed/],
  ['sudo -n needing a password is sudo-denied', { sudo: true, exit: { code: 1 }, stderr: 'sudo: a password is required\n' }, 'sudo-denied', /a password is required/],
  ['a user not in sudoers is sudo-denied', { sudo: true, exit: { code: 1 }, stderr: 'sudo: alice is not in the sudoers file.\n' }, 'sudo-denied'],
  ['a sudo-looking message without sudo in use is just a failure', { exit: { code: 1 }, stderr: 'sudo: a password is required\n' }, 'failed'],
  ['a tool error is failed with the exit code and its last stderr line', { exit: { code: 4 }, stderr: 'debug noise\niptables-save: Permission denied (you must be root)\n' }, 'failed', /^exit 4: iptables-save: Permission denied/],
  ['death by signal is failed', { exit: { signal: 'KILL' } }, 'failed', /signal KILL/],
];

describe('classifyCommand', () => {
  it.each(cases)('%s', (_name, outcome, status, message) => {
    const r = classifyCommand({ ...base, ...outcome });
    expect(r.status).toBe(status);
    if (message) expect(r.message).toMatch(message);
  });
});
