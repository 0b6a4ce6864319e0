import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SshTarget } from '../../../../core/node/app/backendTypes';
import {
  SSH_FIXED_OPTIONS,
  SshTargetError,
  sshArgv,
  validateSshHost,
  validateSshJump,
  validateSshPath,
  validateSshTarget,
  validateSshUser,
} from '../../../../core/node/terminal/sshArgv';

// sshArgv builds the argv of the system ssh client for terminals. Hostile values from the
// cluster (node addresses, names) or the UI must never become options or change the target.

const base: SshTarget = { host: '10.0.0.5', port: 22 };

describe('sshArgv', () => {
  it('starts with the strict fixed options and ends with -- and the host', () => {
    const argv = sshArgv(base);
    expect(argv.slice(0, SSH_FIXED_OPTIONS.length)).toEqual([...SSH_FIXED_OPTIONS]);
    expect(argv).toContain('StrictHostKeyChecking=yes');
    expect(argv).toContain('ForwardAgent=no');
    expect(argv).toContain('ClearAllForwardings=yes');
    expect(argv.slice(-2)).toEqual(['--', '10.0.0.5']);
  });

  it.each<[string, SshTarget, string[]]>([
    ['the port after -p', { host: 'n1', port: 2222 }, ['-p', '2222']],
    ['the user after -l', { host: 'n1', port: 22, user: 'core' }, ['-l', 'core']],
    ['the identity file with IdentitiesOnly', { host: 'n1', port: 22, identityFile: '/k/id_ed25519' }, ['-i', '/k/id_ed25519', '-o', 'IdentitiesOnly=yes']],
    ['the known_hosts file', { host: 'n1', port: 22, knownHostsFile: '/tmp/kh' }, ['-o', 'UserKnownHostsFile=/tmp/kh']],
    ['the jump host after -J', { host: 'n1', port: 22, jump: 'admin@bastion.example.com:2200' }, ['-J', 'admin@bastion.example.com:2200']],
  ])('passes %s', (_name, target, expected) => {
    const argv = sshArgv(target);
    // Locate by the value (the second element): flags such as -o repeat.
    const at = argv.indexOf(expected[1]) - 1;
    expect(at).toBeGreaterThanOrEqual(0);
    expect(argv.slice(at, at + expected.length)).toEqual(expected);
    expect(argv.indexOf('--')).toBeGreaterThan(at);
  });

  it('leaves out optional flags that were not given', () => {
    const argv = sshArgv(base);
    for (const flag of ['-l', '-i', '-J']) expect(argv).not.toContain(flag);
    expect(argv.join(' ')).not.toContain('UserKnownHostsFile');
  });

  it('throws SshTargetError for a target it refuses', () => {
    expect(() => sshArgv({ host: '-oProxyCommand=id', port: 22 })).toThrow(SshTargetError);
  });
});

describe('validateSshHost', () => {
  it.each([
    ['an IPv4 address', '192.168.1.10'],
    ['an IPv6 address', 'fd00::1'],
    ['a DNS name', 'node-1.example.com'],
    ['an ssh config alias with underscore', 'worker_2'],
  ])('accepts %s', (_name, host) => {
    expect(validateSshHost(host)).toBeNull();
  });

  it.each([
    ['an option look-alike', '-oProxyCommand=touch /tmp/pwned'],
    ['a bare dash option', '-v'],
    ['a shell command separator', 'host;rm -rf /'],
    ['a command substitution', '$(id)'],
    ['backticks', '`id`'],
    ['a newline', 'host\nProxyCommand id'],
    ['a carriage return', 'host\r'],
    ['a NUL byte', 'host\u0000'],
    ['a tab', 'host\tx'],
    ['a space', 'host x'],
    ['a user injection', 'root@host'],
    ['a percent token', 'h%n'],
    ['a pipe', 'a|b'],
    ['an empty string', ''],
    ['a C1 control character', 'host\u0085'],
    ['an over-long name', 'a'.repeat(254)],
  ])('refuses %s', (_name, host) => {
    expect(validateSshHost(host)).toEqual(expect.any(String));
  });
});

describe('validateSshUser, validateSshPath and validateSshJump', () => {
  it.each([
    ['user', () => validateSshUser('-oProxyCommand=id')],
    ['user', () => validateSshUser('a b')],
    ['user', () => validateSshUser('u%n')],
    ['user', () => validateSshUser('u$(id)')],
    ['user', () => validateSshUser('u\n')],
    ['path', () => validateSshPath('relative/key', 'key')],
    ['path', () => validateSshPath('/a b/key', 'key')],
    ['path', () => validateSshPath('/home/%u/key', 'key')],
    ['path', () => validateSshPath('/home/${HOME}/key', 'key')],
    ['path', () => validateSshPath('/k\n', 'key')],
    ['jump', () => validateSshJump('-oProxyCommand=id')],
    ['jump', () => validateSshJump('bastion;id')],
    ['jump', () => validateSshJump('a@b@c')],
    ['jump', () => validateSshJump('bastion:99999')],
    ['jump', () => validateSshJump('bastion:22x')],
    ['jump', () => validateSshJump('[not-v6]:22')],
    ['jump', () => validateSshJump('-u@host')],
    ['jump', () => validateSshJump('')],
  ])('refuses a hostile %s (%#)', (_kind, check) => {
    expect(check()).toEqual(expect.any(String));
  });

  it.each([
    ['a single hop', 'bastion'],
    ['user, host and port', 'ops@bastion.example.com:2222'],
    ['two hops', 'a@j1,j2:2200'],
    ['an IPv6 hop with a port', '[fd00::1]:22'],
  ])('accepts a jump with %s', (_name, jump) => {
    expect(validateSshJump(jump)).toBeNull();
  });

  it.each([
    ['a port of 0', { ...base, port: 0 }],
    ['a fractional port', { ...base, port: 22.5 }],
    ['a port above 65535', { ...base, port: 70000 }],
  ])('validateSshTarget refuses %s', (_name, t) => {
    expect(validateSshTarget(t)).toEqual(expect.any(String));
  });
});

describe('sshArgv properties', () => {
  const fixedFlags = new Set(['-o', '-p', '-l', '-i', '-J', '-t', '--']);
  const anyString = fc.string({ unit: 'binary', maxLength: 40 });
  const targets = fc.record(
    {
      host: fc.oneof(anyString, fc.constantFrom('-oProxyCommand=id', 'n1', '10.0.0.1', 'a-b.c')),
      port: fc.oneof(fc.integer({ min: -5, max: 70000 }), fc.constant(22)),
      user: fc.oneof(anyString, fc.constantFrom('-x', 'core')),
      identityFile: fc.oneof(anyString, fc.constantFrom('-i', '/k/id')),
      knownHostsFile: fc.oneof(anyString, fc.constantFrom('-oX=1', '/tmp/kh')),
      jump: fc.oneof(anyString, fc.constantFrom('-J', 'a@b:22')),
    },
    { requiredKeys: ['host', 'port'] },
  );

  it('never lets an input-derived element start with "-" (only the fixed flags do)', () => {
    fc.assert(
      fc.property(targets, (t) => {
        let argv: string[];
        try {
          argv = sshArgv(t);
        } catch (err) {
          expect(err).toBeInstanceOf(SshTargetError);
          return;
        }
        // Values follow their flag; everything else is one of the fixed flags or an `-o` value we wrote.
        for (let i = 0; i < argv.length; i++) {
          const a = argv[i];
          if (!a.startsWith('-')) continue;
          expect(fixedFlags.has(a)).toBe(true);
          expect(argv[i - 1] === '-o' || argv[i - 1] === '-p' || argv[i - 1] === '-l' || argv[i - 1] === '-i' || argv[i - 1] === '-J').toBe(false);
        }
        expect(argv[argv.length - 1]).toBe(t.host);
        expect(argv[argv.length - 2]).toBe('--');
        expect(argv.join('\u0001')).not.toMatch(/[\u0000\n\r]/);
      }),
      { numRuns: 2000 },
    );
  });
});
