import type { Store } from '../../db/store.js';
import type { Clock } from '../../domain/clock.js';
import { credentialGroups, expiryIsEntered, isAppIntegration, isMachineIdentity } from '../../domain/integration.js';
import type { Credential, Integration } from '../../domain/types.js';
import { RETIREMENTS, type Retirement } from '../../providers/retired.js';
import type { Logger } from '../../logger.js';
import type { Metrics } from '../../observability/metrics.js';
import { createLimiter, type Limiter } from '../../providers/limiter.js';
import { earliestExpiry, isRejection } from '../../providers/outcome.js';
import type { HealthStateMachine, SignalSource } from '../health.js';
import { REJECTED_REPROBE_MS } from '../health.js';
import type { KeyedLock } from '../../keyed-lock.js';
import type { Prober, ProbeResult } from '../probe.js';

export interface ProbeRunnerDeps {
  store: Pick<Store, 'integrations' | 'health' | 'credentials' | 'audit'>;
  probe: Prober;
  health: Pick<HealthStateMachine, 'apply'>;
  clock: Clock;
  logger: Logger;
  /**
   * One probe of a credential at a time in this process (a sweep and Check now never probe it twice at
   * once). Not the store's credential lock: changes take that one (withCredentialLock), and a probe
   * changes nothing.
   */
  probeLock: KeyedLock;
  /** Renews a credential that is due for rotation (`rotate:` in integrations.yml). */
  rotateIfDue?: (integration: Integration) => Promise<unknown>;
  /** A refused credential whose rotation holds an unconfirmed answer: that answer is checked (and committed) first. */
  settleHeldRotation?: (integration: Integration) => Promise<unknown>;
  /** HEALTH_CHECK_INTERVAL_SECONDS in ms; 0 disables scheduled probes. */
  intervalMs: number;
  /** Probes running at once across all providers. */
  concurrency: number;
  /**
   * Probes running at once per provider (the provider table's caps, as the HTTP client applies them). A
   * sweep waits for a provider's slot before it takes one of the `concurrency` slots, so probes queued
   * for a busy provider never hold slots the others could use.
   */
  providerConcurrency?: Readonly<Record<string, number>>;
  random: () => number;
  metrics?: Pick<Metrics, 'probes' | 'probeSeconds'>;
  /** True once a shutdown began: a sweep starts no new probe (the rest are due again at the next start). */
  stopping?: () => boolean;
}

/**
 * Probes credential groups and applies the outcomes: the scheduled sweep (jittered, capped, backing
 * off rejected credentials for 30 minutes and rate-limited ones until the provider's reset) and the
 * single-group path Check now uses.
 */
export function createProbeRunner(deps: ProbeRunnerDeps) {
  const limiter = createLimiter(deps.concurrency);
  const providerLimiters = new Map<string, Limiter>();
  const providerLimiter = (provider: string): Limiter => {
    let found = providerLimiters.get(provider);
    if (!found)
      providerLimiters.set(provider, (found = createLimiter(deps.providerConcurrency?.[provider] ?? deps.concurrency)));
    return found;
  };

  function nextProbeAfter(result: ProbeResult, now: Date): Date {
    let next = now.getTime() + deps.intervalMs * (0.9 + 0.2 * deps.random());
    if (isRejection(result.outcome.kind)) next = Math.max(next, now.getTime() + REJECTED_REPROBE_MS);
    if (result.outcome.kind === 'rate_limited' && result.outcome.retryAt)
      next = Math.max(next, result.outcome.retryAt.getTime());
    return new Date(next);
  }

  async function noteRetired(integration: Integration, credential: Credential, retirement: Retirement): Promise<void> {
    if (!(await deps.store.credentials.markRetired(credential.id, retirement))) return;
    deps.logger.warn(
      { event: 'credential_retired_by_vendor', integration: integration.id, retirement },
      'the stored credential is of a kind its vendor retired: the alert, App Home and reauth-bot list show the way off',
    );
    await deps.store.audit.record(
      {
        actor: 'reauth',
        integrationId: integration.id,
        action: 'credential.retired_by_vendor',
        outcome: retirement,
        fingerprint: credential.fingerprints.join(',') || null,
        detail: { way_off: RETIREMENTS[retirement].replacements },
      },
      deps.clock.now(),
    );
  }

  /** Probes one credential group and applies the outcome. */
  async function probeGroup(group: readonly Integration[], source: SignalSource, actor?: string): Promise<ProbeResult> {
    const first = group[0] as Integration;
    const started = performance.now();
    const result = await deps.probe(first);
    const now = deps.clock.now();
    if (result.probed) {
      deps.metrics?.probes.inc({ provider: first.provider, outcome: result.outcome.kind });
      deps.metrics?.probeSeconds.observe({ provider: first.provider }, (performance.now() - started) / 1000);
    }
    // App types hold no credential: their health is the webhook's to say, never a probe's.
    if (!result.probed) return result;
    if (!result.credential) {
      // Never authenticated: nothing to alert about, but say what to do.
      for (const integration of group) {
        const health = await deps.store.health.of(integration.id);
        await deps.store.health.save({
          integrationId: integration.id,
          status: health?.status === 'failing' ? 'failing' : 'unknown',
          reason: `No credential yet: re-authenticate with /reauth ${integration.id}.`,
          consecutiveFailures: 0,
          lastCheckedAt: now,
          nextProbeAt: new Date(now.getTime() + deps.intervalMs),
          since: health?.since ?? null,
          lastSuccessAt: health?.lastSuccessAt ?? null,
        });
      }
      return result;
    }
    // The provider revoked it in a rotation whose new token Reauth holds but could not confirm yet:
    // that token is checked now, and if it works it replaces this one (so this outcome is discarded below).
    if (result.outcome.kind === 'invalid_credentials')
      await deps
        .settleHeldRotation?.(first)
        .catch((error: unknown) =>
          deps.logger.warn(
            { event: 'rotation_settle_failed', integration: first.id, error: (error as Error).message },
            'could not check the held rotation answer; it is checked again by the sweep',
          ),
        );
    // Another process may have re-authenticated while this probe ran: its outcome is about a
    // credential that is no longer in use, and must neither raise nor clear an alert.
    const current = await deps.store.credentials.current(first.credentialKey);
    if (current?.id !== result.credential.id) {
      deps.logger.info(
        { integration: first.id, event: 'probe_outcome_discarded' },
        'a probe finished after the credential was replaced; its outcome was discarded',
      );
      return result;
    }
    // A credential its vendor retired: recorded once (its way off is shown until it is replaced), audited once.
    if (result.retired && !result.credential.retiredByVendor)
      await noteRetired(first, result.credential, result.retired);
    // A token's expiry as the provider reports it; an OAuth credential's and a machine identity's root
    // secret's are not in the probe's answer (the latter is what the person entered).
    if (
      result.outcome.kind === 'valid' &&
      result.credential.authType !== 'oauth' &&
      !isMachineIdentity(result.credential) &&
      !expiryIsEntered(result.credential)
    ) {
      const reported = earliestExpiry(result.tokens);
      if ((reported?.getTime() ?? null) !== (result.credential.expiresAt?.getTime() ?? null))
        await deps.store.credentials.updateExpiry(result.credential.id, reported);
    }
    await deps.health.apply(group, {
      outcome: result.outcome,
      source,
      actor,
      nextProbeAt: nextProbeAfter(result, now),
      retired: result.retired ?? result.credential.retiredByVendor ?? undefined,
    });
    // Checked at each probe of a working credential: due for rotation (expiring within before_days, or held every_days)?
    if (result.outcome.kind === 'valid') await deps.rotateIfDue?.(first);
    return result;
  }

  /** Check now and the sweep share this: one probe of the group's credential at a time. */
  function probeGroupLocked(group: readonly Integration[], source: SignalSource, actor?: string): Promise<ProbeResult> {
    return deps.probeLock(group[0]?.credentialKey ?? '', () => probeGroup(group, source, actor));
  }

  return {
    probeGroupLocked,

    /** Probes every group that is due; a group seen for the first time is scheduled with jitter. */
    async runDue(): Promise<number> {
      if (deps.intervalMs <= 0) return 0;
      const now = deps.clock.now();
      const due: Integration[][] = [];
      const active = (await deps.store.integrations.listActive()).filter((i) => !isAppIntegration(i));
      // One read of every health state, not one per group: a sweep of thousands starts at once.
      const healthById = await deps.store.health.listAll();
      for (const group of credentialGroups(active)) {
        const first = group[0] as Integration;
        const health = healthById.get(first.id);
        if (!health?.nextProbeAt && !health?.lastCheckedAt) {
          const at = new Date(now.getTime() + Math.floor(deps.random() * deps.intervalMs));
          for (const integration of group)
            await deps.store.health.save({
              integrationId: integration.id,
              status: health?.status ?? 'unknown',
              reason: health?.reason ?? null,
              consecutiveFailures: health?.consecutiveFailures ?? 0,
              nextProbeAt: at,
            });
          if (at.getTime() > now.getTime()) continue;
        } else if (health.nextProbeAt && health.nextProbeAt.getTime() > now.getTime()) {
          continue;
        }
        due.push(group);
      }
      // Replicas sharing a database: a group is claimed just before it is probed, as a slot frees, so
      // each replica takes work at the pace it can do it and only the one whose claim lands probes it.
      let probed = 0;
      await Promise.all(
        due.map((group) =>
          providerLimiter((group[0] as Integration).provider).run(() =>
            limiter.run(async () => {
              if (deps.stopping?.()) return;
              const first = group[0] as Integration;
              const claimedAt = deps.clock.now();
              if (
                !(await deps.store.health.claimProbe(
                  first.id,
                  claimedAt,
                  new Date(claimedAt.getTime() + PROBE_CLAIM_MS),
                ))
              )
                return;
              probed += 1;
              await probeGroupLocked(group, 'probe').catch((error: unknown) => {
                deps.logger.error({ err: error, integration: first.id }, 'probe failed unexpectedly');
              });
            }),
          ),
        ),
      );
      return probed;
    },
  };
}

export type ProbeRunner = ReturnType<typeof createProbeRunner>;

/** How long a claimed probe is another replica's; a replica that dies mid-probe leaves it due again after this. */
export const PROBE_CLAIM_MS = 2 * 60 * 1000;
