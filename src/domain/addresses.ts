/**
 * The rules for addresses that the environment and integrations.yml share, each written once: Slack's
 * id shapes, and where a credential may travel (https://, or http:// to this machine only).
 */

/** A Slack channel id: public (C…), private (G…) or a direct message (D…). */
export const SLACK_CHANNEL_ID = /^[CGD][A-Z0-9]{2,}$/;
/** A Slack user (U…, W… on Enterprise Grid) or user-group (S…) id. */
export const SLACK_USER_OR_GROUP_ID = /^[UWS][A-Z0-9]{2,}$/;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** Why a URL may not carry a credential: not https (`plain_http` when it is http:// to another host). */
export function transportProblem(url: URL): 'plain_http' | 'not_https' | undefined {
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:') return isLoopbackHost(url.hostname) ? undefined : 'plain_http';
  return 'not_https';
}
