import type { CredentialValidation, TokenReport, ValidOutcome } from '../../providers/outcome.js';
import { describeIdentity } from '../../providers/outcome.js';
import { context, escapeMrkdwn, fields, section, slackDate, type Block } from './text.js';

/** The facts of a successful validation: who, which credential, expiry, scopes — never the secret. */

function expiryText(date: Date | null): string {
  return date ? slackDate(date) : 'not reported by the provider';
}

function scopesText(scopes: string[] | null): string {
  if (scopes === null) return 'not reported by the provider';
  return scopes.length ? scopes.map((s) => `\`${escapeMrkdwn(s)}\``).join(' ') : 'none';
}

function tokenLine(token: TokenReport): string {
  const o = token.outcome;
  if (o.kind !== 'valid') return `• Token ${token.position} \`${token.fingerprint}\`: ${escapeMrkdwn(o.reason)}`;
  const parts = [escapeMrkdwn(describeIdentity(o.identity))];
  if (o.rateLimitRemaining !== null) parts.push(`${o.rateLimitRemaining.toLocaleString('en-US')} requests left`);
  parts.push(`scopes ${scopesText(o.scopes)}`);
  parts.push(`expires ${expiryText(o.expiresAt)}`);
  return `• Token ${token.position} \`${token.fingerprint}\`: ${parts.join(' · ')}`;
}

export function buildOutcomeDetails(validation: CredentialValidation & { outcome: ValidOutcome }): Block[] {
  const outcome = validation.outcome;
  if (validation.tokens.length > 1) {
    return [
      section(`*${validation.tokens.length} tokens, all valid:*\n${validation.tokens.map(tokenLine).join('\n')}`),
    ];
  }
  const pairs: [string, string][] = [
    ['Signed in as', escapeMrkdwn(describeIdentity(outcome.identity))],
    ['Credential', validation.tokens.map((t) => `\`${t.fingerprint}\``).join(', ') || '—'],
    ['Expires', expiryText(outcome.expiresAt)],
    ['Scopes', scopesText(outcome.scopes)],
  ];
  if (outcome.rateLimitRemaining !== null)
    pairs.push(['Rate limit left', outcome.rateLimitRemaining.toLocaleString('en-US')]);
  return [fields(pairs)];
}

/** For a refused pool: which token failed and why, by position and fingerprint. */
export function buildTokenFailures(tokens: readonly TokenReport[]): Block[] {
  if (tokens.length < 2) return [];
  return [
    context(
      tokens
        .map((t) =>
          t.outcome.kind === 'valid'
            ? `Token ${t.position} \`${t.fingerprint}\`: :white_check_mark: works`
            : `Token ${t.position} \`${t.fingerprint}\`: :x: ${t.outcome.kind.replace(/_/g, ' ')}`,
        )
        .join('\n'),
    ),
  ];
}
