/**
 * The panel's HTML: a shell the script fills. `base` is the ingress path (checked by the caller
 * to be a plain path) or empty; it prefixes the script and every request the script makes.
 */
export function renderPanelPage(opts: { readonly base: string; readonly scriptMissing: boolean }): string {
  const base = escapeAttr(opts.base);
  const body = opts.scriptMissing
    ? `<p class="pvb-missing">The panel is not built: run <code>npm run build</code>, then reload. The status is at <a href="${base}/api/status">${base}/api/status</a>.</p>`
    : `<pve-backup-panel data-base="${base}"><p class="pvb-boot">Loading…</p></pve-backup-panel>
<script type="module" src="${base}/panel.js"></script>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>PVE Backup</title>
<link rel="icon" href="data:,">
<style>html,body{margin:0;font-family:Roboto,system-ui,sans-serif}@media (prefers-color-scheme: dark){html{background:#111111;color:#e1e1e1}}</style>
</head>
<body>
${body}
</body></html>
`;
}

const escapeAttr = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );
