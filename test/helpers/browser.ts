/** A tiny cookie-keeping browser for OAuth round trips: follows nothing, remembers cookies per origin. */
export function createBrowser() {
  const jar = new Map<string, string>();
  return {
    async get(url: string): Promise<{ status: number; location: string | null; text: string }> {
      const origin = new URL(url).origin;
      const cookie = jar.get(origin);
      const response = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
      const set = response.headers.get('set-cookie');
      if (set) jar.set(origin, set.split(';')[0] ?? '');
      return { status: response.status, location: response.headers.get('location'), text: await response.text() };
    },
    /** Approve or Deny on the emulator's authorize page; returns where the provider sends the browser. */
    async decide(authorizeUrl: string, decision: 'approve' | 'deny'): Promise<string> {
      const page = new URL(authorizeUrl);
      const form = new URLSearchParams({ ...Object.fromEntries(page.searchParams), decision });
      const response = await fetch(`${page.origin}${page.pathname}/decision`, { method: 'POST', body: form, redirect: 'manual' });
      return response.headers.get('location') ?? '';
    },
    forget: () => jar.clear(),
  };
}
