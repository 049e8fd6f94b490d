import type { Keyring } from '../../crypto/keyring.js';
import type { OutboxWrite } from '../../db/store.js';
import { newMessageId, type EventType, type NewDelivery, type SinkSpec } from '../../domain/delivery.js';
import type { Integration } from '../../domain/types.js';
import type { SecretPayload } from '../secret-payload.js';
import { deliveryContext } from '../sealing-contexts.js';
import { consumerCredential } from './credential-document.js';

/** Where each integration's credentials go: read from integrations.yml at start. */
export type SinksOf = (integrationId: string) => readonly SinkSpec[];

export interface OutboxPlannerDeps {
  sinksOf: SinksOf;
  keyring: Keyring;
}

/** Builds the outbox rows that commit with a credential change, and the event rows for webhook sinks. */
export function createOutboxPlanner(deps: OutboxPlannerDeps) {
  return {
    /**
     * The outbox write for a new version of a credential, or undefined when none of the integrations
     * it serves has a sink. The credential fields are sealed to the credential's key.
     */
    forCredential(
      credentialKey: string,
      served: readonly Integration[],
      payload: SecretPayload,
      data: Record<string, unknown>,
    ): OutboxWrite | undefined {
      const sinks = served.flatMap((integration) =>
        deps.sinksOf(integration.id).map((sink) => ({ integrationId: integration.id, sinkKey: sink.key })),
      );
      const first = served[0];
      if (!first || sinks.length === 0) return undefined;
      const sealedCredential = deps.keyring.seal(
        JSON.stringify(consumerCredential(first, payload)),
        deliveryContext(credentialKey),
      );
      return { sinks, sealedCredential, data };
    },
    /** Event rows (no secrets) for every webhook sink of these integrations, except `skipSink`. */
    events(
      integrations: readonly Pick<Integration, 'id'>[],
      type: Exclude<EventType, 'credential.updated'>,
      dataOf: (integrationId: string) => Record<string, unknown>,
      now: Date,
      skipSink?: string,
    ): NewDelivery[] {
      return integrations.flatMap((integration) =>
        deps
          .sinksOf(integration.id)
          .filter((sink) => sink.kind === 'webhook' && sink.key !== skipSink)
          .map((sink) => ({
            integrationId: integration.id,
            sinkKey: sink.key,
            type,
            messageId: newMessageId(),
            credentialId: null,
            version: null,
            sealedCredential: null,
            keyId: null,
            data: dataOf(integration.id),
            createdAt: now,
          })),
      );
    },
  };
}

export type OutboxPlanner = ReturnType<typeof createOutboxPlanner>;
