import { realpath, readFile, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';

// Files of the built renderer (out/renderer). A request path can only name a regular file inside
// the folder: it is decoded once, anything odd (NUL, backslash, dot segments after decoding) is
// refused, the resolved path must start with the folder, and so must its real path (a symlink
// pointing out of the folder is not followed out). Everything else is "not found".

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
};

export interface StaticFile {
  path: string;
  contentType: string;
  data: Buffer;
}

/** The file a URL path names inside `root`, or null (-> 404). `/` is index.html. */
export async function resolveStaticFile(root: string, urlPath: string): Promise<string | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded === '/') decoded = '/index.html';
  if (!decoded.startsWith('/') || decoded.includes('\0') || decoded.includes('\\')) return null;
  const segments = decoded.slice(1).split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return null;
  const base = resolve(root);
  const candidate = resolve(base, ...segments);
  if (!candidate.startsWith(base + sep)) return null;
  try {
    const [realBase, real] = await Promise.all([realpath(base), realpath(candidate)]);
    if (!real.startsWith(realBase + sep)) return null;
    const st = await stat(real);
    return st.isFile() ? real : null;
  } catch {
    return null;
  }
}

export async function readStaticFile(root: string, urlPath: string): Promise<StaticFile | null> {
  const path = await resolveStaticFile(root, urlPath);
  if (path === null) return null;
  try {
    const data = await readFile(path);
    return { path, contentType: CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream', data };
  } catch {
    return null;
  }
}

/**
 * index.html with `<meta name="proxyscope-token">` added to its head, where renderer/api.ts reads
 * the token for the X-Proxyscope-Token header. The token is base64url: nothing to escape.
 */
export function injectTokenMeta(html: string, token: string): string {
  const meta = `<meta name="proxyscope-token" content="${token}" />`;
  const head = /<head[^>]*>/i.exec(html);
  if (head) return html.slice(0, head.index + head[0].length) + '\n    ' + meta + html.slice(head.index + head[0].length);
  return meta + html;
}
