import { createHmac, timingSafeEqual } from 'node:crypto';

/** docs/http.md: X-Reauth-Signature = v1=<hex HMAC-SHA256 of "v1:{timestamp}:{raw body}">, within 5 minutes. */

export const WEBHOOK_WINDOW_SECONDS = 5 * 60;

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`v1:${timestamp}:${body}`).digest('hex')}`;
}

export type SignatureCheck = { ok: true } | { ok: false; message: string };

export function verifyWebhookSignature(
  secret: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  body: string,
  now: Date,
): SignatureCheck {
  if (!headers.timestamp || !/^\d{1,12}$/.test(headers.timestamp) || !headers.signature) {
    return {
      ok: false,
      message: 'X-Reauth-Timestamp (unix seconds) and X-Reauth-Signature (v1=<hex>) are required.',
    };
  }
  const timestamp = Number(headers.timestamp);
  if (Math.abs(now.getTime() / 1000 - timestamp) > WEBHOOK_WINDOW_SECONDS) {
    return {
      ok: false,
      message:
        "The timestamp is more than 5 minutes from now: check the sender's clock, and sign each request when it is sent.",
    };
  }
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const given = Buffer.from(headers.signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return {
      ok: false,
      message:
        'The signature does not match: sign "v1:{timestamp}:{raw body}" with HMAC-SHA256 and HEALTH_WEBHOOK_SECRET.',
    };
  }
  return { ok: true };
}
