// Links in terminal output. What a node prints is untrusted: a URL there (plain text or an
// OSC 8 hyperlink) may be `javascript:`, `file:` or a look-alike. Only http(s) URLs are ever
// opened, and only through openExternalLink (which asks the user first: a native dialog in
// Electron, window.confirm in a browser).

export interface FoundLink {
  /** 0-based column of the first character. */
  start: number;
  /** 0-based column after the last character. */
  end: number;
  url: string;
}

const URL_RE = /\bhttps?:\/\/[^\s"'<>`\\{}|^]+/g;
// Punctuation that usually closes the sentence around a URL rather than belonging to it.
const TRAILING = /[.,;:!?)\]]+$/;

/** Plain-text http(s) URLs in one line of terminal text. */
export function findHttpLinks(line: string): FoundLink[] {
  const out: FoundLink[] = [];
  URL_RE.lastIndex = 0;
  for (let m = URL_RE.exec(line); m; m = URL_RE.exec(line)) {
    const url = m[0].replace(TRAILING, '');
    if (safeHttpUrl(url) !== null) out.push({ start: m.index, end: m.index + url.length, url });
  }
  return out;
}

/**
 * The URL to open, or null when it must not be: not http(s), unparsable, or carrying
 * credentials (`https://bank.example@evil.example/` reads as one host and goes to another).
 */
export function safeHttpUrl(text: string): string | null {
  let u: URL;
  try {
    u = new URL(text.trim());
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  if (u.username !== '' || u.password !== '') return null;
  return u.href;
}

/** Opens a link from the terminal if it is safe; false when refused or declined. */
export async function activateLink(text: string, open: (url: string) => Promise<boolean>): Promise<boolean> {
  const url = safeHttpUrl(text);
  if (url === null) return false;
  return open(url);
}
