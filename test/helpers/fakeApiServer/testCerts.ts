import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// A throw-away CA and a server certificate signed by it, made with the real `openssl` CLI
// (Debian's openssl package; scripts/install-system-deps.sh installs it). Arguments are argv
// arrays, never a shell string. EC P-256 keys: generating them takes milliseconds.

export interface TestCa {
  certPem: string;
  keyPem: string;
}

export interface ServerCert {
  certPem: string;
  keyPem: string;
}

export interface ServerCertOptions {
  /** subjectAltName entries, default `IP:127.0.0.1, DNS:localhost`. */
  altNames?: string[];
  /** A certificate whose notAfter lies in the past (K6: expired). */
  expired?: boolean;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'proxyscope-certs-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function generateTestCa(commonName = 'proxyscope-test-ca'): TestCa {
  return withTempDir((dir) => {
    openssl(
      [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
        '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', `/CN=${commonName}`,
        '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
      ],
      dir,
    );
    return { certPem: readFileSync(join(dir, 'ca.crt'), 'utf8'), keyPem: readFileSync(join(dir, 'ca.key'), 'utf8') };
  });
}

export function generateServerCert(ca: TestCa, opts: ServerCertOptions = {}): ServerCert {
  return withTempDir((dir) => {
    writeFileSync(join(dir, 'ca.crt'), ca.certPem);
    writeFileSync(join(dir, 'ca.key'), ca.keyPem, { mode: 0o600 });
    const altNames = opts.altNames ?? ['IP:127.0.0.1', 'DNS:localhost'];
    writeFileSync(join(dir, 'ext.cnf'), `subjectAltName=${altNames.join(',')}\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n`);
    openssl(
      ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=kube-apiserver'],
      dir,
    );
    // `-days -1` puts notAfter a day before notBefore: a certificate that is already expired.
    openssl(
      ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt',
        '-days', opts.expired ? '-1' : '2', '-extfile', 'ext.cnf'],
      dir,
    );
    return { certPem: readFileSync(join(dir, 'server.crt'), 'utf8'), keyPem: readFileSync(join(dir, 'server.key'), 'utf8') };
  });
}
