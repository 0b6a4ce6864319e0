// Links the app may hand to the system browser: http and https only (no file:, javascript:,
// data:, custom schemes that start local programs), no embedded credentials (they make
// `https://good.example@evil.example` look like a trusted site), bounded length.

export type ExternalUrlCheck = { ok: true; href: string } | { ok: false; reason: string };

export function checkExternalUrl(raw: string): ExternalUrlCheck {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 2048) return { ok: false, reason: 'The link is empty or too long.' };
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return { ok: false, reason: 'The link is not a valid URL.' };
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return { ok: false, reason: `Only http and https links open in the browser, not ${u.protocol}` };
  if (u.username || u.password) return { ok: false, reason: 'Links with a user name or password in them are not opened.' };
  if (!u.hostname) return { ok: false, reason: 'The link has no host.' };
  return { ok: true, href: u.href };
}
