import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebClient } from '@slack/web-api';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger.js';
import type { CredentialPull } from '../services/delivery/credential-pull.js';
import type { InFlight } from '../services/in-flight.js';
import type { HealthWebhook } from '../services/health-webhook.js';
import type { OAuthFlow } from '../services/oauth-flow.js';
import type { WebForm } from '../services/web-form.js';

/** What HTTP routes may use: services, Slack's Web API and the log. Never storage or providers. */
export interface RouteServices {
  slack: Pick<WebClient, 'chat'>;
  logger: Logger;
  /** PUBLIC_URL: cookies are scoped and marked Secure from it. */
  publicUrl: string;
  oauth: Pick<OAuthFlow, 'start' | 'complete'>;
  /** The one-time page for typing a credential outside Slack. */
  webForm: Pick<WebForm, 'show' | 'submit'>;
  healthWebhook: HealthWebhook;
  /** Ready for traffic: the store is open, the catalogue loaded and the app started. */
  isReady(): boolean;
  /** Whether the database answers now (PostgreSQL may be restarting): readiness fails while it does not. */
  databaseReachable(): Promise<boolean>;
  /** True from the moment a shutdown begins: new Slack requests are told to try again. */
  isStopping(): boolean;
  /** Work a shutdown waits for: every route runs inside it. */
  inflight: Pick<InFlight, 'track'>;
  /** Remembers a Slack request signature; false when it was already used (a replay). */
  rememberSignature(signature: string): Promise<boolean>;
  /** The pull API's answer to one request. */
  pullCredential: CredentialPull;
  countCredentialRead(status: number): void;
  /** The Prometheus registry, and the bearer token that protects it when set. */
  metrics: { registry: Registry; token: string | undefined };
}

/** A route beside /slack/events, as Bolt's custom routes take it. */
export type Route = { path: string; method: string[]; handler: (req: IncomingMessage, res: ServerResponse) => unknown };
