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

/** What to tell people about a URL that cannot be used, in the words of the field it is in. */
export interface UrlMessages {
  notUrl: (raw: string) => string;
  plainHttp: (raw: string) => string;
  userInfo: string;
  /** Another scheme (ftp://…); by default: must be an https:// URL. */
  notHttps?: (raw: string) => string;
}

/**
 * A URL a credential may travel to: parsable, https:// (http:// only to loopback hosts), without a
 * user name or password. Undefined, with the reason given to `fail`, otherwise.
 */
export function parseSecureUrl(raw: string, fail: (message: string) => void, messages: UrlMessages): URL | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    fail(messages.notUrl(raw));
    return undefined;
  }
  const problem = transportProblem(url);
  if (problem) {
    const notHttps = messages.notHttps ?? ((r: string) => `"${r}" must be an https:// URL.`);
    fail(problem === 'plain_http' ? messages.plainHttp(raw) : notHttps(raw));
    return undefined;
  }
  if (url.username || url.password) {
    fail(messages.userInfo);
    return undefined;
  }
  return url;
}
