import { recordAudit } from '../db/repositories/audit.js';
import { updateCredentialExpiry } from '../db/repositories/credentials.js';
import { currentCredentialsWithExpiry, recordWarnings, warnedThresholds } from '../db/repositories/expiry-warnings.js';
import { healthOf, saveHealth } from '../db/repositories/health.js';
import { listActiveIntegrations, listIntegrationsByCredentialKey, listIntegrationsByIds, type IntegrationRow } from '../db/repositories/integrations.js';
import { listOpenAlerts, updateAlert } from '../db/repositories/alerts.js';
import { createLimiter } from '../providers/limiter.js';
import { earliestExpiry, isRejection } from '../providers/outcome.js';
import { authSpec } from '../providers/registry.js';
import type { AuthKey, ProviderKey } from '../providers/types.js';
import type { Runtime } from '../runtime.js';
import { buildExpiryWarning, buildReminder } from '../slack/blocks/alert.js';
import { alertChannelOf } from './alerts.js';
import { applyHealthSignal, DEFAULT_HEALTH_POLICY, REJECTED_REPROBE_MS, type HealthPolicy, type SignalSource } from './health.js';
import { probeIntegration, type ProbeResult } from './probe.js';
import { slackErrorCode } from './slack-errors.js';

export const EXPIRY_THRESHOLDS_DAYS = [14, 3, 1] as const;
const DAY_MS = 24 * 3600 * 1000;

export interface MonitorOptions {
  /** HEALTH_CHECK_INTERVAL_SECONDS in ms; 0 disables scheduled probes. */
  intervalMs: number;
  /** REMINDER_INTERVAL_HOURS in ms; 0 disables reminders. */
  reminderMs: number;
  /** How often the loop looks for due work. */
  tickMs?: number;
  /** Probes running at once across all providers (default 32, the HTTP client's global cap; each provider has its own cap there). */
  concurrency?: number;
  random?: () => number;
  policy?: HealthPolicy;
}

/** Integrations grouped by the credential they share: each group is probed once. */
function credentialGroups(integrations: readonly IntegrationRow[]): IntegrationRow[][] {
  const groups = new Map<string, IntegrationRow[]>();
  for (const integration of integrations) groups.set(integration.credentialKey, [...(groups.get(integration.credentialKey) ?? []), integration]);
  return [...groups.values()];
}

const isAppType = (i: IntegrationRow) => authSpec(i.provider as ProviderKey, i.authType as AuthKey)?.form.kind === 'unsupported';

/**
 * The monitor: probes every integration each interval (jittered), with a concurrency cap; backs off
 * rejected credentials for 30 minutes and rate-limited ones until the provider's reset; sends
 * reminders and expiry warnings; retries alert posts that failed. One probe path for all callers.
 */
export function createHealthMonitor(rt: Runtime, options: MonitorOptions) {
  const random = options.random ?? Math.random;
  const policy = options.policy ?? DEFAULT_HEALTH_POLICY;
  const limiter = createLimiter(options.concurrency ?? 32);
  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> | undefined;

  function nextProbeAfter(result: ProbeResult, now: Date): Date {
    const jittered = now.getTime() + options.intervalMs * (0.9 + 0.2 * random());
    let next = jittered;
    if (isRejection(result.outcome.kind)) next = Math.max(next, now.getTime() + REJECTED_REPROBE_MS);
    if (result.outcome.kind === 'rate_limited' && result.outcome.retryAt) next = Math.max(next, result.outcome.retryAt.getTime());
    return new Date(next);
  }

  /** Probes one credential group and applies the outcome; the shared path of monitor and Check now. */
  async function probeGroup(group: IntegrationRow[], source: SignalSource, actor?: string): Promise<ProbeResult> {
    const first = group[0] as IntegrationRow;
    const result = await probeIntegration(rt, first, { persist: true });
    const now = rt.clock.now();
    // App types hold no credential: their health is the webhook's to say, never a probe's.
    if (!result.probed) return result;
    if (!result.credential) {
      // Never authenticated: nothing to alert about, but say what to do.
      for (const integration of group) {
        const health = healthOf(rt.db, integration.id);
        saveHealth(rt.db, { integrationId: integration.id, status: health?.status === 'failing' ? 'failing' : 'unknown', reason: `No credential yet: re-authenticate with /reauth ${integration.id}.`, consecutiveFailures: 0, lastCheckedAt: now, nextProbeAt: new Date(now.getTime() + options.intervalMs), since: health?.since ?? null, lastSuccessAt: health?.lastSuccessAt ?? null });
      }
      return result;
    }
    if (result.outcome.kind === 'valid' && result.credential.authType !== 'oauth') {
      const reported = earliestExpiry(result.tokens);
      if ((reported?.getTime() ?? null) !== (result.credential.expiresAt?.getTime() ?? null)) updateCredentialExpiry(rt.db, result.credential.id, reported);
    }
    await applyHealthSignal(rt, rt.alerts, group, { outcome: result.outcome, source, actor, nextProbeAt: nextProbeAfter(result, now) }, policy);
    return result;
  }

  /** Probes every group that is due; a group seen for the first time is scheduled with jitter. */
  async function runDue(): Promise<number> {
    if (options.intervalMs <= 0) return 0;
    const now = rt.clock.now();
    const due: IntegrationRow[][] = [];
    for (const group of credentialGroups(listActiveIntegrations(rt.db).filter((i) => !isAppType(i)))) {
      const first = group[0] as IntegrationRow;
      const health = healthOf(rt.db, first.id);
      if (!health?.nextProbeAt && !health?.lastCheckedAt) {
        const at = new Date(now.getTime() + Math.floor(random() * options.intervalMs));
        for (const integration of group) saveHealth(rt.db, { integrationId: integration.id, status: health?.status ?? 'unknown', reason: health?.reason ?? null, consecutiveFailures: health?.consecutiveFailures ?? 0, nextProbeAt: at });
        if (at.getTime() > now.getTime()) continue;
      } else if (health.nextProbeAt && health.nextProbeAt.getTime() > now.getTime()) {
        continue;
      }
      due.push(group);
    }
    await Promise.all(
      due.map((group) =>
        limiter.run(() =>
          rt.alerts.withLock(`probe:${group[0]?.credentialKey}`, () =>
            probeGroup(group, 'probe').catch((error: unknown) => {
              rt.logger.error({ err: error, integration: group[0]?.id }, 'probe failed unexpectedly');
            }),
          ),
        ),
      ),
    );
    return due.length;
  }

  async function sendReminders(): Promise<number> {
    if (options.reminderMs <= 0) return 0;
    const now = rt.clock.now();
    let sent = 0;
    for (const alert of listOpenAlerts(rt.db)) {
      if (!alert.messageTs) continue;
      if (alert.snoozedUntil && alert.snoozedUntil.getTime() > now.getTime()) continue;
      const last = alert.lastReminderAt ?? alert.openedAt;
      if (now.getTime() - last.getTime() < options.reminderMs) continue;
      const integrations = listIntegrationsByIds(rt.db, alert.integrationIds);
      const reminder = buildReminder({ integrations, approvers: rt.authoriser.approvers([...new Set(integrations.flatMap((i) => i.owners))]), since: alert.openedAt, reason: alert.reason ?? 'still failing' });
      try {
        await rt.slack.chat.postMessage({ channel: alert.channel, thread_ts: alert.messageTs, text: reminder.text, blocks: reminder.blocks });
        updateAlert(rt.db, alert.id, { lastReminderAt: now });
        sent += 1;
      } catch (error) {
        rt.logger.warn({ alert: alert.alertKey, error: slackErrorCode(error) }, 'could not post a reminder');
      }
    }
    return sent;
  }

  async function sendExpiryWarnings(): Promise<number> {
    const now = rt.clock.now();
    let sent = 0;
    for (const credential of currentCredentialsWithExpiry(rt.db)) {
      const expiresAt = credential.expiresAt as Date;
      const daysLeft = (expiresAt.getTime() - now.getTime()) / DAY_MS;
      if (daysLeft <= 0) continue; // expired: the failing probe says so
      const crossed = EXPIRY_THRESHOLDS_DAYS.filter((t) => daysLeft <= t);
      const nearest = Math.min(...crossed);
      if (!crossed.length || warnedThresholds(rt.db, credential.id).has(nearest)) continue;
      const integrations = listIntegrationsByCredentialKey(rt.db, credential.credentialKey);
      const channels = new Set(integrations.map((i) => alertChannelOf(rt, i)).filter((c): c is string => c !== undefined));
      if (!integrations.length || !channels.size) continue;
      const warning = buildExpiryWarning({ integrations, expiresAt, days: nearest, fingerprints: credential.fingerprints, approvers: rt.authoriser.approvers([...new Set(integrations.flatMap((i) => i.owners))]) });
      let posted = false;
      for (const channel of channels) {
        try {
          await rt.slack.chat.postMessage({ channel, text: warning.text, blocks: warning.blocks });
          posted = true;
        } catch (error) {
          rt.logger.warn({ channel, error: slackErrorCode(error) }, 'could not post an expiry warning');
        }
      }
      if (posted) {
        recordWarnings(rt.db, credential.id, crossed, now);
        sent += 1;
      }
    }
    return sent;
  }

  /** Open alerts whose message could not be posted (bot not in channel, channel gone) are tried again. */
  async function retryAlertPosts(): Promise<void> {
    for (const alert of listOpenAlerts(rt.db)) {
      if (alert.messageTs) continue;
      const integrations = listIntegrationsByIds(rt.db, alert.integrationIds);
      const health = integrations[0] ? healthOf(rt.db, integrations[0].id) : undefined;
      if (!health || health.status !== 'failing') continue;
      await rt.alerts.raise(integrations, { reason: health.reason ?? alert.reason ?? 'failing', since: health.since ?? alert.openedAt, lastSuccess: health.lastSuccessAt, source: 'probe', checkedAt: health.lastCheckedAt ?? rt.clock.now() });
    }
  }

  /** An alert whose integrations were all removed from the catalogue has nothing left to fix: close it. */
  async function closeOrphanAlerts(): Promise<number> {
    let closed = 0;
    for (const alert of listOpenAlerts(rt.db)) {
      const integrations = listIntegrationsByIds(rt.db, alert.integrationIds);
      if (integrations.some((i) => i.archivedAt === null)) continue;
      await rt.alerts.resolve(alert.alertKey, { by: null, how: 'the integration was removed from integrations.yml', fixed: false });
      closed += 1;
    }
    return closed;
  }

  async function tick(): Promise<void> {
    if (ticking) return ticking;
    ticking = (async () => {
      try {
        await closeOrphanAlerts();
        await runDue();
        await retryAlertPosts();
        await sendReminders();
        await sendExpiryWarnings();
      } catch (error) {
        rt.logger.error({ err: error }, 'health monitor tick failed');
      } finally {
        ticking = undefined;
      }
    })();
    return ticking;
  }

  return {
    runDue,
    closeOrphanAlerts,
    sendReminders,
    sendExpiryWarnings,
    retryAlertPosts,
    tick,
    /** Check now: probes at once, ignoring any back-off, and applies the outcome. */
    async checkNow(integrationId: string, actor: string): Promise<{ result: ProbeResult; integrations: IntegrationRow[] } | undefined> {
      const integration = listActiveIntegrations(rt.db).find((i) => i.id === integrationId);
      if (!integration) return undefined;
      const group = listIntegrationsByCredentialKey(rt.db, integration.credentialKey);
      recordAudit(rt.db, { actor, integrationId, action: 'health.check_now', outcome: 'requested' }, rt.clock.now());
      const result = await rt.alerts.withLock(`probe:${integration.credentialKey}`, () => probeGroup(group, 'check_now', actor));
      return { result, integrations: group };
    },
    start(): void {
      if (timer) return;
      const tickMs = options.tickMs ?? Math.max(5_000, Math.min(60_000, Math.floor(options.intervalMs / 20) || 60_000));
      timer = setInterval(() => void tick(), tickMs);
      timer.unref();
      void tick();
    },
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = undefined;
      await ticking;
    },
  };
}

export type HealthMonitor = ReturnType<typeof createHealthMonitor>;
