import { inspect } from 'node:util';

// Credentials (tokens, passwords, private keys, exec env values) travel inside a Secret: it
// prints as [redacted] through String(), JSON.stringify and console.log/util.inspect, so a
// stray log line or an error dump cannot carry one (client-go leaked bearer tokens in logs:
// CVE-2019-11250, CVE-2020-8565). `reveal()` is the only way to the value, at the one place
// that puts it on the wire.

export interface Secret {
  reveal(): string;
  toString(): string;
  toJSON(): string;
}

const REDACTED = '[redacted]';

export function secret(value: string): Secret {
  const s: Secret = {
    reveal: () => value,
    toString: () => REDACTED,
    toJSON: () => REDACTED,
  };
  Object.defineProperty(s, inspect.custom, { value: () => REDACTED, enumerable: false });
  return s;
}

/**
 * Values that must never appear in text Proxyscope shows or writes. Registered as they become
 * known (kubeconfig tokens, plugin output, exec env values); `redact` scrubs any text that
 * comes from outside (server messages, plugin stderr) before it goes into an error.
 */
export interface SecretRegistry {
  add(value: string | Secret | undefined): void;
  redact(text: string): string;
}

/** Shorter values are not registered: redacting "a" or "1" would shred every message. */
const MIN_SECRET_LENGTH = 6;

const PRIVATE_KEY_BLOCK = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;

export function secretRegistry(): SecretRegistry {
  const values = new Set<string>();
  return {
    add(value) {
      const v = typeof value === 'string' ? value : value?.reveal();
      if (v !== undefined && v.length >= MIN_SECRET_LENGTH) values.add(v);
    },
    redact(text) {
      let out = text.replace(PRIVATE_KEY_BLOCK, REDACTED).replace(BEARER, `$1 ${REDACTED}`);
      for (const v of values) if (out.includes(v)) out = out.split(v).join(REDACTED);
      return out;
    },
  };
}
