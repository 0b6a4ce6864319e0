import { createHash } from 'node:crypto';

// SSH public key blobs (RFC 4253 6.6): the first field is the key type as an SSH string
// (uint32 length + bytes). The fingerprint is what `ssh-keygen -l` prints: SHA256 over the
// blob, base64 without padding (sshkey.c sshkey_fingerprint_raw + fingerprint_b64).

/** The key type embedded in a blob (`ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256`), or null if it does not decode. */
export function keyBlobType(blob: Buffer): string | null {
  if (blob.length < 4) return null;
  const len = blob.readUInt32BE(0);
  if (len === 0 || len > 64 || 4 + len > blob.length) return null;
  const type = blob.subarray(4, 4 + len).toString('latin1');
  return /^[A-Za-z0-9@._-]+$/.test(type) ? type : null;
}

export function sha256Fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * Host key algorithms that may present a key of this type. An `ssh-rsa` key is offered under
 * the SHA-2 signature names too (RFC 8332).
 */
export function hostKeyAlgorithmsFor(keyType: string): string[] {
  if (keyType === 'ssh-rsa') return ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];
  return [keyType];
}
