// RFC 4648 base32 (standard alphabet, upper case), as Go's base32.StdEncoding prints it.
// kube-proxy names chains with a prefix of base32(sha256(...)) (pkg/proxy/iptables/proxier.go
// portProtoHash, pkg/proxy/nftables/proxier.go hashAndTruncate), so only prefixes are ever needed.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * Base32 of `bytes`; with `chars`, only the first `chars` characters (no padding is reached
 * for prefixes). Without `chars`, the full padded encoding.
 */
export function base32Encode(bytes: Uint8Array, chars?: number): string {
  const fullChars = Math.ceil((bytes.length * 8) / 5);
  const want = chars === undefined ? fullChars : Math.min(chars, fullChars);
  let out = '';
  let buffer = 0;
  let bits = 0;
  let i = 0;
  while (out.length < want) {
    if (bits < 5) {
      if (i < bytes.length) {
        buffer = ((buffer << 8) | bytes[i++]) & 0xffff;
        bits += 8;
      } else {
        // Last partial group: pad with zero bits.
        buffer = (buffer << (5 - bits)) & 0xffff;
        bits = 5;
      }
    }
    bits -= 5;
    out += ALPHABET[(buffer >>> bits) & 31];
  }
  if (chars === undefined) {
    const padded = Math.ceil(bytes.length / 5) * 8;
    while (out.length < padded) out += '=';
  }
  return out;
}
