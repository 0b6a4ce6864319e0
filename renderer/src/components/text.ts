import { visibleText } from '../../../core/common/report/visibleText';
import type { Severity } from '../../../core/common/model/finding';

// Everything from a cluster or a node is untrusted text: it is rendered with {{ }} only, and
// invisible / bidi characters are shown as `<U+XXXX>` so a name cannot pretend to be another.

/** One-line field (names, IPs, rule lines): control characters and line breaks made visible. */
export function shown(text: string | null | undefined): string {
  return text == null ? '' : visibleText(text);
}

/** Multi-line field (messages): keeps `\n` and `\t`, marks the rest. */
export function shownMultiline(text: string | null | undefined): string {
  return text == null ? '' : visibleText(text, true);
}

/** `nodes/n1/iptables-save.txt` -> `iptables-save.txt`. */
export function basename(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? path : path.slice(i + 1);
}

/** element-plus tag type per severity. */
export function severityTagType(s: Severity | null): 'danger' | 'warning' | 'primary' | 'info' | 'success' {
  switch (s) {
    case 'critical':
    case 'high':
      return 'danger';
    case 'medium':
      return 'warning';
    case 'low':
      return 'primary';
    case 'info':
      return 'info';
    default:
      return 'success';
  }
}
