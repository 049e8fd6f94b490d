import type { ServerResponse } from 'node:http';

/** Escapes text for HTML content and attribute values. */
export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** A small, self-contained page with an outcome in plain words: no secrets, no stack traces. */
export function sendPage(
  res: ServerResponse,
  status: number,
  page: { title: string; message: string; ok: boolean },
  headers: Record<string, string | string[]> = {},
): void {
  const body = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(page.title)} — Reauth</title>
<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:4rem auto;padding:0 1rem;color:#1d1c1d}h1{font-size:1.4rem}.mark{font-size:2.5rem}p{line-height:1.5}</style>
</head><body><div class="mark">${page.ok ? '&#9989;' : '&#9888;&#65039;'}</div><h1 id="title">${escapeHtml(page.title)}</h1><p id="message">${escapeHtml(page.message)}</p>
<p>You can close this tab and return to Slack.</p></body></html>`;
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
    'Referrer-Policy': 'no-referrer',
    ...headers,
  });
  res.end(body);
}
