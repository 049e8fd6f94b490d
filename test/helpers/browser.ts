/**
 * A tiny cookie-keeping browser for OAuth round trips: follows nothing; keeps cookies per origin by
 * name, sends those whose Path covers the request, and forgets them on Max-Age=0.
 */
export function createBrowser() {
  const jar = new Map<string, Map<string, { value: string; path: string }>>();
  const cookiesOf = (origin: string) => {
    let cookies = jar.get(origin);
    if (!cookies) jar.set(origin, (cookies = new Map()));
    return cookies;
  };
  return {
    get: (url: string, extraHeaders: Record<string, string> = {}) => send(url, {}, extraHeaders),
    /** A form POST, as a browser submits one (urlencoded), with this browser's cookies. */
    post: (url: string, form: Record<string, string | string[]>, extraHeaders: Record<string, string> = {}) => {
      const body = new URLSearchParams();
      for (const [name, value] of Object.entries(form))
        for (const one of Array.isArray(value) ? value : [value]) body.append(name, one);
      return send(
        url,
        { method: 'POST', body: body.toString() },
        { 'Content-Type': 'application/x-www-form-urlencoded', ...extraHeaders },
      );
    },
    /** Approve or Deny on the emulator's authorize page; returns where the provider sends the browser. */
    async decide(authorizeUrl: string, decision: 'approve' | 'deny'): Promise<string> {
      const page = new URL(authorizeUrl);
      const form = new URLSearchParams({ ...Object.fromEntries(page.searchParams), decision });
      const response = await fetch(`${page.origin}${page.pathname}/decision`, {
        method: 'POST',
        body: form,
        redirect: 'manual',
      });
      return response.headers.get('location') ?? '';
    },
    forget: () => jar.clear(),
  };

  async function send(
    url: string,
    init: { method?: string; body?: string },
    extraHeaders: Record<string, string>,
  ): Promise<{ status: number; location: string | null; text: string; setCookie: string[]; headers: Headers }> {
    const { origin, pathname } = new URL(url);
    const cookies = cookiesOf(origin);
    const cookie = [...cookies]
      .filter(([, c]) => pathname.startsWith(c.path))
      .map(([name, c]) => `${name}=${c.value}`)
      .join('; ');
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(cookie ? { cookie } : {}), ...extraHeaders },
    });
    const setCookie = response.headers.getSetCookie();
    for (const line of setCookie) {
      const [pair = '', ...attributes] = line.split(';').map((s) => s.trim());
      const [name = '', ...value] = pair.split('=');
      const attribute = (key: string) => attributes.find((a) => a.toLowerCase().startsWith(`${key}=`))?.split('=')[1];
      if (attribute('max-age') === '0') cookies.delete(name);
      else cookies.set(name, { value: value.join('='), path: attribute('path') ?? '/' });
    }
    return {
      status: response.status,
      location: response.headers.get('location'),
      text: await response.text(),
      setCookie,
      headers: response.headers,
    };
  }
}
