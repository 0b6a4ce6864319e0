import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

// The checks every request to `proxyscope serve` passes before anything else runs (ISSUE5
// decision 4). Loopback alone is not a boundary: any web page the user visits can make the
// browser send requests to 127.0.0.1, and DNS rebinding makes a foreign name resolve to it
// (Lens CVE-2021-44458: a local server without Host/Origin checks ran commands for any page).
//  - Host must name our loopback origin exactly, so a rebound name (evil.example -> 127.0.0.1)
//    is refused even though the connection arrives on our socket.
//  - Origin, when the browser sends one, must be our origin: cross-site fetches, forms and
//    WebSockets (which ignore CORS) are refused.
//  - A random per-run token: the cookie (set from the printed URL) for every request, plus a
//    custom header for API calls (a cross-site page cannot set one without a CORS preflight we
//    never answer), or `?token=` for the WebSocket (browsers cannot set its headers).

export const TOKEN_COOKIE = 'proxyscope_token';
export const TOKEN_HEADER = 'x-proxyscope-token';

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The Host values we answer to: `127.0.0.1:<port>` and `localhost:<port>`. */
export function hostAllowed(host: string | undefined, port: number): boolean {
  if (host === undefined) return false;
  const h = host.toLowerCase();
  return h === `127.0.0.1:${port}` || h === `localhost:${port}`;
}

/** No Origin (same-origin GET, curl) is fine; a present one must be ours. `null` is not ours. */
export function originAllowed(origin: string | undefined, port: number): boolean {
  if (origin === undefined) return true;
  const o = origin.toLowerCase();
  return o === `http://127.0.0.1:${port}` || o === `http://localhost:${port}`;
}

/** Constant-time comparison, so response timing does not leak the token byte by byte. */
export function tokenMatches(candidate: string | undefined, token: string): boolean {
  if (candidate === undefined) return false;
  const a = Buffer.from(candidate, 'utf8');
  const b = Buffer.from(token, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Every value the Cookie header(s) carry for `name` (a browser may send more than one). */
export function cookieValues(headers: IncomingHttpHeaders, name: string): string[] {
  const raw = headers.cookie;
  if (raw === undefined) return [];
  const out: string[] = [];
  for (const part of raw.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) out.push(part.slice(eq + 1).trim());
  }
  return out;
}

/**
 * Whether one of our cookies carries the token. Each server names its cookie after its port
 * (`proxyscope_token_<port>`: cookies ignore ports, so two `serve` runs on one machine would
 * otherwise overwrite each other's); any `proxyscope_token*` cookie with the right value counts.
 */
export function cookieHasToken(headers: IncomingHttpHeaders, token: string): boolean {
  const raw = headers.cookie;
  if (raw === undefined) return false;
  return raw.split(';').some((part) => {
    const eq = part.indexOf('=');
    if (eq < 0) return false;
    const name = part.slice(0, eq).trim();
    return (name === TOKEN_COOKIE || name.startsWith(`${TOKEN_COOKIE}_`)) && tokenMatches(part.slice(eq + 1).trim(), token);
  });
}

/** One value of a header that must appear once; repeated headers count as absent. */
export function singleHeader(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return typeof v === 'string' ? v : undefined;
}

export function tokenCookie(token: string, port: number): string {
  return `${TOKEN_COOKIE}_${port}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

export type Refusal = { status: 401 | 403; message: string };

/** Host and Origin: 403 when they are not ours. */
export function checkSite(headers: IncomingHttpHeaders, port: number): Refusal | null {
  if (!hostAllowed(singleHeader(headers, 'host'), port)) return { status: 403, message: 'foreign Host' };
  if (headers.origin !== undefined && !originAllowed(singleHeader(headers, 'origin'), port)) {
    return { status: 403, message: 'foreign Origin' };
  }
  return null;
}
