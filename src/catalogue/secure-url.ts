import { transportProblem } from '../domain/addresses.js';

/** What to tell people about a URL that cannot be used, in the words of the field it is in. */
export interface UrlMessages {
  notUrl: (raw: string) => string;
  plainHttp: (raw: string) => string;
  userInfo: string;
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
    fail(problem === 'plain_http' ? messages.plainHttp(raw) : `"${raw}" must be an https:// URL.`);
    return undefined;
  }
  if (url.username || url.password) {
    fail(messages.userInfo);
    return undefined;
  }
  return url;
}
