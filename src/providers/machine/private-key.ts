import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';

/** A GitHub App's private key, read and checked before any network call. */
export type PrivateKeyReading =
  | { ok: true; pem: string; key: KeyObject; fingerprint: string }
  | { ok: false; reason: string };

const PEM = /-----BEGIN ((?:RSA )?PRIVATE KEY)-----([\s\S]*?)-----END \1-----/;

/**
 * The PEM text as a person pastes it, made whole: Windows line ends, the `\n` escapes of a key copied
 * out of JSON or an environment file, and a body whose line breaks a single-line field turned into
 * spaces are all put back to the 64-character lines of RFC 7468.
 */
function normalisePem(text: string): string | undefined {
  const unescaped = text.replace(/\r\n?/g, '\n').replace(/\\n/g, '\n').trim();
  const match = PEM.exec(unescaped);
  if (!match) return undefined;
  const label = match[1] ?? '';
  const body = (match[2] ?? '').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) return undefined;
  const lines = body.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/**
 * GitHub's own fingerprint of an App key, as its settings page shows it beside each key: the SHA-256 of
 * the public key (DER, SubjectPublicKeyInfo), base64 — so a person can tell which of the App's keys
 * Reauth holds. https://docs.github.com/apps/creating-github-apps/authenticating-with-a-github-app/managing-private-keys-for-github-apps#verifying-private-keys
 */
function githubKeyFingerprint(key: KeyObject): string {
  const der = createPublicKey(key).export({ type: 'spki', format: 'der' });
  return `SHA256:${createHash('sha256').update(der).digest('base64')}`;
}

/** Reads a pasted private key: an RSA key in PEM (PKCS#1 as GitHub issues it, or PKCS#8), else why not. */
export function readPrivateKey(text: string): PrivateKeyReading {
  const trimmed = text.trim();
  if (!trimmed) return { ok: false, reason: 'Paste the private key (the whole .pem file GitHub downloaded).' };
  if (/^gh[pousr]_|^github_pat_/.test(trimmed))
    return {
      ok: false,
      reason:
        "This is a GitHub token, not a private key. Paste the App's private key: the .pem file from the App's settings (Private keys → Generate a private key).",
    };
  if (/-----BEGIN (?:RSA )?PUBLIC KEY-----|-----BEGIN CERTIFICATE-----|ssh-rsa /.test(trimmed))
    return {
      ok: false,
      reason: 'This is a public key or certificate. Paste the private key: the .pem file GitHub downloaded.',
    };
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(trimmed))
    return {
      ok: false,
      reason: 'This private key is encrypted with a passphrase. Paste the key GitHub downloaded, unencrypted.',
    };
  const pem = normalisePem(trimmed);
  if (!pem)
    return {
      ok: false,
      reason:
        'This is not a PEM private key: it must start with -----BEGIN RSA PRIVATE KEY----- and end with -----END RSA PRIVATE KEY-----. Paste the whole .pem file.',
    };
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    return {
      ok: false,
      reason: 'This PEM private key is damaged (it does not parse). Paste the whole .pem file again.',
    };
  }
  if (key.asymmetricKeyType !== 'rsa')
    return {
      ok: false,
      reason: `This is ${key.asymmetricKeyType ?? 'an unknown'} key; GitHub Apps sign with RSA keys. Paste the .pem file GitHub generated for the App.`,
    };
  return { ok: true, pem, key, fingerprint: githubKeyFingerprint(key) };
}
