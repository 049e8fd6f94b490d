import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { readBody, sendJson } from '../providers/http-utils.js';

/**
 * A loopback webhook receiver, as a platform team's service would be: it verifies each delivery's
 * Standard Webhooks signature with the `standardwebhooks` package and records what it received.
 */

export interface ReceivedWebhook {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  /** The signature verified with the shared secret (and the timestamp within 5 minutes). */
  verified: boolean;
  payload: { type?: string; timestamp?: string; data?: Record<string, unknown> } | undefined;
  /** What the receiver answered. */
  status: number;
  at: Date;
}

export interface WebhookReceiver {
  readonly url: string;
  readonly received: ReceivedWebhook[];
  /** The status to answer (200 by default; 503 plays an outage). */
  setStatus(status: number): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(secret: string, options: { port?: number } = {}): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const verifier = new Webhook(secret);
  let status = 200;
  const server = createServer((req, res) => {
    void readBody(req)
      .then((body) => {
        const header = (name: string) => (typeof req.headers[name] === 'string' ? req.headers[name] : '');
        const headers = {
          'webhook-id': header('webhook-id'),
          'webhook-timestamp': header('webhook-timestamp'),
          'webhook-signature': header('webhook-signature'),
        };
        let verified = false;
        let payload: ReceivedWebhook['payload'];
        try {
          payload = verifier.verify(body, headers) as ReceivedWebhook['payload'];
          verified = true;
        } catch {
          verified = false;
        }
        const answer = verified ? status : 401;
        received.push({
          id: headers['webhook-id'],
          timestamp: headers['webhook-timestamp'],
          signature: headers['webhook-signature'],
          body,
          verified,
          payload,
          status: answer,
          at: new Date(),
        });
        sendJson(res, answer, verified ? { ok: answer < 300 } : { error: 'bad signature' });
      })
      .catch(() => sendJson(res, 400, { error: 'unreadable body' }));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/reauth`,
    received,
    setStatus: (value) => void (status = value),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
