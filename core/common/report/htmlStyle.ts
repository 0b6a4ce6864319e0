// Inline stylesheet of the HTML report. The report is one self-contained file that makes no
// requests (the CSP forbids them), so the styles live here rather than in a .css asset.

export const REPORT_CSS = `
:root{--fg:#1b1f24;--muted:#59636e;--bg:#fff;--panel:#f6f8fa;--line:#d1d9e0;--code:#f3f4f6;
--critical:#b3261e;--high:#c2410c;--medium:#8a6d00;--low:#1d63b8;--info:#57606a}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--bg:#0d1117;--panel:#161b22;--line:#30363d;--code:#1f242c;
--critical:#ff7b72;--high:#ffa657;--medium:#e3b341;--low:#79c0ff;--info:#9198a1}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0 auto;max-width:1200px;padding:24px;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:var(--fg);background:var(--bg);overflow-wrap:anywhere;word-break:break-word}
h1{font-size:24px;margin:0 0 8px}
h2{font-size:19px;margin:32px 0 12px;padding-bottom:6px;border-bottom:1px solid var(--line)}
h3{font-size:16px;margin:0 0 8px}
h4{font-size:13px;margin:14px 0 6px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
code{background:var(--code);padding:1px 4px;border-radius:4px}
pre{margin:0;padding:8px 10px;background:var(--code);border-radius:6px;white-space:pre-wrap;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;margin:8px 0}
th,td{text-align:left;vertical-align:top;padding:6px 8px;border-bottom:1px solid var(--line)}
th{background:var(--panel);font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:8px 0}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0}
.counts{display:flex;flex-wrap:wrap;gap:8px;margin:16px 0 0;padding:0;list-style:none}
.counts li{border:1px solid var(--line);border-radius:6px;padding:6px 12px;background:var(--panel)}
.counts b{font-size:18px;margin-right:6px}
.sev{display:inline-block;min-width:64px;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;color:#fff;text-align:center}
.sev-critical{background:var(--critical)}.sev-high{background:var(--high)}.sev-medium{background:var(--medium)}
.sev-low{background:var(--low)}.sev-info{background:var(--info)}
.counts .c-critical b{color:var(--critical)}.counts .c-high b{color:var(--high)}.counts .c-medium b{color:var(--medium)}
.counts .c-low b{color:var(--low)}.counts .c-info b{color:var(--info)}
article.finding{border:1px solid var(--line);border-left:5px solid var(--info);border-radius:6px;padding:14px 16px;margin:12px 0;break-inside:avoid}
article.f-critical{border-left-color:var(--critical)}article.f-high{border-left-color:var(--high)}
article.f-medium{border-left-color:var(--medium)}article.f-low{border-left-color:var(--low)}
article.finding p{margin:8px 0;white-space:pre-line}
.ev{margin:6px 0}
.ev .loc{color:var(--muted);font-size:12px;margin-bottom:2px}
.limitations li{margin:4px 0}
.status-error{color:var(--critical);font-weight:600}
.status-no-dump{color:var(--medium)}
.muted{color:var(--muted)}
.cc{font-family:ui-monospace,monospace;font-size:11px;color:#fff;background:var(--critical);border-radius:3px;padding:0 3px;margin:0 1px}
footer{margin-top:40px;color:var(--muted);font-size:12px;border-top:1px solid var(--line);padding-top:8px}
a{color:var(--low)}
@media print{body{max-width:none;padding:0}a{color:inherit;text-decoration:none}h2{break-after:avoid}}
`;
