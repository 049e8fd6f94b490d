/** The sandbox page: plain server-rendered HTML, a stylesheet, and a small script that polls and posts. */
export function pageShell(): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Reauth sandbox</title>
<style>
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d1c1d;background:#f8f8f8;display:grid;grid-template-columns:220px 1fr 380px;height:100vh}
nav{background:#3f0e40;color:#fff;padding:12px;display:flex;flex-direction:column;gap:4px}nav h1{font-size:16px;margin:0 0 12px}nav button{all:unset;cursor:pointer;padding:4px 8px;border-radius:4px;color:#d1c4d2}nav button.active{background:#1164a3;color:#fff}
main{display:flex;flex-direction:column;min-width:0;background:#fff;border-right:1px solid #ddd}header.top{padding:10px 16px;border-bottom:1px solid #ddd;font-weight:700}
.pane{flex:1;overflow:auto;padding:8px 16px}.pane[hidden]{display:none}
form.composer{display:flex;gap:8px;padding:10px 16px;border-top:1px solid #ddd}form.composer input{flex:1;padding:8px;border:1px solid #bbb;border-radius:6px;font:inherit}
aside{overflow:auto;padding:12px;background:#fafafa}aside h2{font-size:14px;margin:4px 0 8px}
.msg{padding:8px 4px;border-bottom:1px solid #f0f0f0}.msg-meta{font-size:12px;color:#616061}.app-tag{background:#e8e8e8;font-size:10px;padding:0 3px;border-radius:2px}.edited{color:#999}
.ephemeral{background:#f4f8fb}.only-you{color:#1264a3}.thread{margin:6px 0 0 18px;border-left:3px solid #e0e0e0;padding-left:10px}.thread-count{font-size:12px;color:#1264a3;font-weight:600}
.blk-header{font-size:17px;font-weight:800;margin:4px 0}.blk-section{display:flex;gap:12px;align-items:flex-start;margin:4px 0}.blk-main{flex:1}.blk-fields{display:grid;grid-template-columns:1fr 1fr;gap:6px 16px;margin-top:4px}
.blk-context{font-size:12px;color:#616061;margin:4px 0;display:flex;gap:8px;flex-wrap:wrap}.blk-divider{border:0;border-top:1px solid #ddd}.blk-actions{display:flex;gap:8px;flex-wrap:wrap;margin:6px 0}
.btn{display:inline-block;padding:4px 12px;border:1px solid #bbb;border-radius:4px;background:#fff;font:inherit;font-weight:600;cursor:pointer;text-decoration:none;color:#1d1c1d}.btn-primary{background:#007a5a;border-color:#007a5a;color:#fff}.btn-danger{background:#e01e5a;border-color:#e01e5a;color:#fff}
code{background:#f3f3f3;border:1px solid #e6e6e6;border-radius:3px;padding:0 3px;font-size:12px;word-break:break-all}blockquote{margin:2px 0;padding-left:8px;border-left:3px solid #ddd;color:#555}.mention{background:#e8f5fa;color:#1264a3;border-radius:3px;padding:0 2px}
#modal-layer{position:fixed;inset:0;background:rgba(0,0,0,.45);display:flex;align-items:center;justify-content:center}#modal-layer[hidden]{display:none}
.modal{background:#fff;border-radius:8px;width:540px;max-height:90vh;display:flex;flex-direction:column;box-shadow:0 10px 40px rgba(0,0,0,.3)}.modal-title{font-size:20px;font-weight:800;padding:16px 20px;border-bottom:1px solid #eee}.modal-body{padding:8px 20px;overflow:auto}.modal-footer{display:flex;justify-content:flex-end;gap:8px;padding:12px 20px;border-top:1px solid #eee}
.blk-input{display:block;margin:10px 0}.blk-check{display:flex;gap:6px;align-items:flex-start;font-weight:400}.blk-check input{width:auto}.blk-label{display:block;font-weight:700;margin-bottom:4px}.blk-input input,.blk-input textarea{width:100%;padding:8px;border:1px solid #bbb;border-radius:4px;font:inherit}.blk-hint{font-size:12px;color:#616061;margin-top:4px}.has-error input,.has-error textarea{border-color:#e01e5a}.blk-error{color:#e01e5a;font-size:13px;margin-top:4px}
.integration{background:#fff;border:1px solid #e3e3e3;border-radius:6px;padding:8px;margin-bottom:8px}.i-meta{font-size:12px;color:#555}.i-reason{font-size:12px;color:#a0153e}.i-note{font-size:12px;color:#555}.k{display:inline-block;min-width:70px;color:#777;font-size:12px}.note{font-size:12px;color:#777}.ctls{display:flex;flex-wrap:wrap;gap:4px;margin-top:6px}.ctl{font-size:11px;padding:2px 6px;border:1px solid #ccc;border-radius:3px;background:#f7f7f7;cursor:pointer}
#delivery{background:#fff;border:1px solid #e3e3e3;border-radius:6px;padding:8px;margin-bottom:12px}#delivery .curl{display:block;margin:4px 0 8px;user-select:all}table.sinks{width:100%;font-size:12px;border-collapse:collapse;margin-bottom:6px}table.sinks td{border-top:1px solid #f0f0f0;padding:3px 2px;vertical-align:top}ul.events{font-size:12px;margin:2px 0;padding-left:16px}
.empty{color:#999;padding:20px 0}.unsupported{color:#a00;font-size:12px}#status{font-size:12px;color:#777;padding:0 16px 6px}
</style></head>
<body>
<nav><h1>Reauth sandbox</h1>
<button data-tab="channel" class="active" id="tab-channel"># reauth-alerts</button>
<button data-tab="home" id="tab-home">Home (App)</button>
<button data-tab="dms" id="tab-dms">Direct messages</button>
<p style="font-size:12px;color:#d1c4d2;margin-top:auto">Everything here is the real bot talking to loopback emulators of Slack and the providers. No Slack workspace needed.</p></nav>
<main><header class="top" id="pane-title"># reauth-alerts</header>
<div class="pane" id="pane-channel"></div><div class="pane" id="pane-home" hidden></div><div class="pane" id="pane-dms" hidden></div>
<div id="status"></div>
<form class="composer" id="composer"><input id="command" placeholder="/reauth jira-cloud   (try /reauth, /reauth status, /reauth help)" autocomplete="off"><button class="btn btn-primary" type="submit">Send</button></form></main>
<aside><h2>Demo integrations</h2><p style="font-size:12px;color:#666">Break a credential at the emulated provider, then watch the alert appear, update and resolve. Paste the valid tokens shown to re-authenticate.</p><div id="delivery"></div><div id="controls"></div></aside>
<div id="modal-layer" hidden></div>
<script>
const $ = (s) => document.querySelector(s);
let last = {}; let tab = 'channel';
async function post(path, body) {
  const r = await fetch('/sandbox/api/' + path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body || {}) });
  const j = await r.json().catch(() => ({}));
  if (j.message) $('#status').textContent = j.message;
  await refresh();
  return j;
}
function keepInputs(layer, html) {
  const saved = {}; layer.querySelectorAll('[data-block-id]').forEach((el) => { saved[el.dataset.blockId] = el.value; });
  layer.innerHTML = html;
  layer.querySelectorAll('[data-block-id]').forEach((el) => { if (saved[el.dataset.blockId] !== undefined) el.value = saved[el.dataset.blockId]; });
}
async function refresh() {
  const s = await (await fetch('/sandbox/api/state')).json();
  for (const pane of ['channel', 'home', 'dms', 'controls', 'delivery']) {
    if (last[pane] !== s[pane]) { const el = pane === 'controls' || pane === 'delivery' ? $('#' + pane) : $('#pane-' + pane); const stick = el.scrollTop + el.clientHeight >= el.scrollHeight - 30; el.innerHTML = s[pane]; if (stick) el.scrollTop = el.scrollHeight; last[pane] = s[pane]; }
  }
  const layer = $('#modal-layer');
  if (last.modalId !== s.modalId) {
    const sameView = last.modalId && s.modalId && last.modalId.split(':')[0] === s.modalId.split(':')[0];
    if (sameView) keepInputs(layer, s.modal); else layer.innerHTML = s.modal;
    layer.hidden = !s.modal; last.modalId = s.modalId;
  }
}
document.addEventListener('click', async (ev) => {
  const t = ev.target.closest('button, a'); if (!t) return;
  if (t.dataset.tab) { tab = t.dataset.tab; document.querySelectorAll('nav button').forEach((b) => b.classList.toggle('active', b === t)); for (const p of ['channel', 'home', 'dms']) $('#pane-' + p).hidden = p !== tab; $('#pane-title').textContent = t.textContent; $('#composer').hidden = tab !== 'channel'; if (tab === 'home') post('home'); return; }
  if (t.dataset.control) { post('control', { integration: t.dataset.integration, action: t.dataset.control }); return; }
  if (t.dataset.closeView) { post('close', { viewId: t.dataset.closeView }); return; }
  if (t.dataset.submitView) { const values = {}; document.querySelectorAll('#modal-layer [data-block-id]').forEach((el) => { values[el.dataset.blockId] = el.type === 'checkbox' ? (el.checked ? el.value : '') : el.value; }); post('submit', { viewId: t.dataset.submitView, values }); return; }
  if (t.dataset.actionId) { if (!t.dataset.url) ev.preventDefault(); post('action', { actionId: t.dataset.actionId, value: t.dataset.value, container: t.dataset.container, channel: t.dataset.channel, ts: t.dataset.ts, viewId: t.dataset.viewId, url: t.getAttribute('href') }); }
});
$('#composer').addEventListener('submit', (ev) => { ev.preventDefault(); const text = $('#command').value.trim().replace(/^\\/reauth\\s*/, ''); $('#command').value = ''; post('command', { text }); });
refresh(); setInterval(refresh, 1000);
</script></body></html>`;
}
