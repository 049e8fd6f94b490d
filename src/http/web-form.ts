import type { IncomingMessage, ServerResponse } from 'node:http';
import { buildHeaderMessage } from '../slack/blocks/messages.js';
import { escapeMrkdwn } from '../slack/blocks/text.js';
import { tellUser } from '../slack/notify.js';
import { WEB_FORM_LIFETIME_MS } from '../domain/lifetimes.js';
import { hashLink, webFormCookieName, type WebFormAnswer, type WebFormPage } from '../services/web-form.js';
import { WEB_FORM_REFUSALS } from './web-form-copy.js';
import { readCookies, scopedCookie } from './cookies.js';
import { readBodyLimited } from './read-body.js';
import type { Route, RouteServices } from './services.js';
import { renderWebFormPage, type ShownPage, WEB_FORM_HEADERS } from './web-form-page.js';

type Params = IncomingMessage & { params?: Record<string, string> };

/** The most a form POST may carry: a pool of tokens, one per line, is far below it. */
const MAX_FORM_BYTES = 64 * 1024;

/** The status and the page a service's page is shown as. */
function shown(page: WebFormPage): [status: number, page: ShownPage] {
  if (page.kind !== 'refused') return [200, page];
  const [status, title, message] = WEB_FORM_REFUSALS[page.why];
  return [status, { kind: 'refused', title, message: page.message ?? message }];
}

function send(res: ServerResponse, answer: WebFormAnswer, publicUrl: string): void {
  const cookie = answer.bindBrowser
    ? {
        // Binds the link to this browser: no script reads it (HttpOnly), no other site's page posts with it (Strict).
        'Set-Cookie': scopedCookie({
          ...answer.bindBrowser,
          publicUrl,
          below: '/reauth/form',
          maxAgeSeconds: WEB_FORM_LIFETIME_MS / 1000,
          sameSite: 'Strict',
        }),
      }
    : {};
  const retry = answer.retryAfterSeconds ? { 'Retry-After': String(answer.retryAfterSeconds) } : {};
  const [status, page] = shown(answer.page);
  res.writeHead(status, { ...WEB_FORM_HEADERS, ...cookie, ...retry });
  res.end(renderWebFormPage(page));
}

/** GET and POST /reauth/form/:state — the one-time page for typing a credential outside Slack. */
export function webFormRoute(services: Pick<RouteServices, 'webForm' | 'publicUrl' | 'slack' | 'logger'>): Route {
  return {
    path: '/reauth/form/:state',
    method: ['GET', 'POST'],
    handler: async (req: Params, res: ServerResponse) => {
      const state = req.params?.state ?? '';
      const browserSecret = readCookies(req).get(webFormCookieName(hashLink(state)));
      const source = req.socket.remoteAddress;
      if (req.method === 'GET')
        return send(res, await services.webForm.show(state, browserSecret, source), services.publicUrl);
      const body = await readBodyLimited(req, MAX_FORM_BYTES).catch(() => undefined);
      const type = req.headers['content-type'] ?? '';
      if (body === undefined || !type.startsWith('application/x-www-form-urlencoded')) {
        res.writeHead(body === undefined ? 413 : 415, WEB_FORM_HEADERS);
        res.end(
          renderWebFormPage({
            kind: 'refused',
            title: 'This form could not be read',
            message:
              'The page sent something that is not this form, so nothing was changed. Reload the page and try again.',
          }),
        );
        return;
      }
      const answer = await services.webForm.submit(state, browserSecret, new URLSearchParams(body), source);
      send(res, answer, services.publicUrl);
      if (answer.success) {
        // The alert, the channel's confirmation and the deliveries follow the commit itself (credential-commit.ts).
        const { integration, validation, userId } = answer.success;
        await tellUser(
          services.slack,
          services.logger,
          userId,
          buildHeaderMessage(
            `${integration.name} is re-authenticated`,
            `${escapeMrkdwn(validation.outcome.reason)}\nYou typed it on Reauth's own page; nothing secret passed through Slack.`,
          ),
        );
      }
    },
  };
}
