import { Terminal } from '@xterm/xterm';
import type { ILink } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import '@xterm/xterm/css/xterm.css';
import { findHttpLinks } from './links';

// One xterm.js terminal in an element: sized to the element (fit addon + ResizeObserver), input
// and size changes reported to the caller, links (plain http(s) URLs and OSC 8 hyperlinks)
// handed to `onLink` and never followed by xterm itself. xterm's default renderer (DOM) needs
// no canvas or WebGL, and writes no HTML from the data: output is text.

export interface XtermCallbacks {
  onInput(data: string): void;
  onResize(cols: number, rows: number): void;
  /** A link the user clicked; the caller decides whether it is opened. */
  onLink(url: string): void;
}

export interface XtermHandle {
  write(data: string): void;
  fit(): void;
  focus(): void;
  size(): { cols: number; rows: number };
  dispose(): void;
}

export function createXterm(el: HTMLElement, cb: XtermCallbacks): XtermHandle {
  const term = new Terminal({
    cursorBlink: true,
    fontFamily: 'ui-monospace, SFMono-Regular, Menlo, monospace',
    fontSize: 13,
    scrollback: 5000,
    // OSC 8 hyperlinks: only http(s) reach `activate` (allowNonHttpProtocols false), and
    // onLink checks again.
    linkHandler: { activate: (_e, text) => cb.onLink(text), allowNonHttpProtocols: false },
  });
  const fit = new FitAddon();
  term.loadAddon(fit);
  term.open(el);

  const provider = term.registerLinkProvider({
    provideLinks(y, callback) {
      const line = term.buffer.active.getLine(y - 1)?.translateToString(true) ?? '';
      const links: ILink[] = findHttpLinks(line).map((l) => ({
        range: { start: { x: l.start + 1, y }, end: { x: l.end, y } },
        text: l.url,
        activate: (_e, text) => cb.onLink(text),
      }));
      callback(links.length > 0 ? links : undefined);
    },
  });
  const input = term.onData((d) => cb.onInput(d));
  const resized = term.onResize(({ cols, rows }) => cb.onResize(cols, rows));

  const refit = (): void => {
    // An element without a size (hidden tab) would fit to 0 columns: keep the last size.
    if (el.clientWidth === 0 || el.clientHeight === 0) return;
    try {
      fit.fit();
    } catch {
      // fit() throws while the terminal is not rendered yet; the next resize fits it.
    }
  };
  let observer: ResizeObserver | null = null;
  if (typeof ResizeObserver !== 'undefined') {
    observer = new ResizeObserver(() => refit());
    observer.observe(el);
  }
  refit();

  return {
    write: (data) => term.write(data),
    fit: refit,
    focus: () => term.focus(),
    size: () => ({ cols: term.cols, rows: term.rows }),
    dispose: () => {
      observer?.disconnect();
      provider.dispose();
      input.dispose();
      resized.dispose();
      term.dispose();
    },
  };
}
