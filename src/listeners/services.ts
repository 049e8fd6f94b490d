import type { WebClient } from '@slack/web-api';
import type { Logger } from '../logger.js';
import type { DeliveryNotices } from '../services/delivery/notices.js';
import type { Directory } from '../services/directory.js';
import type { InFlight } from '../services/in-flight.js';
import type { CheckNow } from '../services/monitor/check-now.js';
import type { ReauthEntry } from '../services/reauth-entry.js';
import type { ReauthService } from '../services/reauthenticate.js';
import type { Snooze } from '../services/snooze.js';
import type { MetadataSigner } from '../slack/metadata.js';
import type { RotateNow } from '../services/rotate-now.js';

/** What Slack listeners may use: services, Slack's Web API and the log. Never storage or providers. */
export interface ListenerServices {
  slack: WebClient;
  logger: Logger;
  signer: MetadataSigner;
  entry: ReauthEntry;
  reauth: Pick<ReauthService, 'reauthenticate' | 'confirm' | 'find' | 'recordTampered'>;
  checkNow: CheckNow;
  rotateNow: RotateNow;
  snooze: Snooze;
  directory: Directory;
  /** The delivery lines of a re-authentication's outcome, kept current in the modal. */
  notices: Pick<DeliveryNotices, 'linesFor' | 'addLines' | 'remember'>;
  /** Work a shutdown waits for: every listener runs inside it, including what it does after the ack. */
  inflight: Pick<InFlight, 'track'>;
}
