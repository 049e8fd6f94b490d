import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import { LogLevel as BoltLogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { LogLevel } from './config.js';

/**
 * One logger for the whole process (Bolt included), with secret redaction built in:
 * sensitive field names, Authorization headers, and token shapes in free text.
 */

const REDACTED = '[redacted]';

const SENSITIVE_KEY =
  /token|secret|password|passwd|api[-_]?key|authorization|cookie|private[-_]?metadata|credential|verifier|^code$|assertion/i;

/** Token shapes that must never reach a log line, whatever field they sit in. */
const TOKEN_SHAPES: readonly RegExp[] = [
  /xox[abposre]-[A-Za-z0-9-]+/g, // Slack bot/user/config tokens
  /xapp-[A-Za-z0-9-]+/g, // Slack app-level tokens
  /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}/g, // GitHub
  /\bgithub_pat_[A-Za-z0-9_]{20,}/g,
  /\bgl(?:pat|ptt|dt|rt|cbt|ft|oas|soat)-[A-Za-z0-9_.-]{10,}/g, // GitLab
  /\bsq[uap]_[A-Za-z0-9]{10,}/g, // SonarQube
  /\bsqco_[A-Za-z0-9]{10,}/g,
  /\bATATT[A-Za-z0-9_=+/-]{10,}/g, // Atlassian API tokens
  /\bATBB[A-Za-z0-9_=+/-]{10,}/g, // Bitbucket app passwords
  /\b(?:pat|sat)\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g, // Harness
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, // JWTs
  /\b(?:Bearer|Basic|token)\s+[A-Za-z0-9+/=._~-]{8,}/gi, // header values quoted in text
];

/**
 * OAuth values in URLs and form bodies: a live sign-in state lets whoever reads it finish someone
 * else's sign-in; a code or token is a credential (https://www.rfc-editor.org/rfc/rfc6749#section-10.12).
 */
const URL_SECRETS = /([?&](?:state|code|code_verifier|refresh_token|access_token|client_secret)=)[^&\s"'<>\\]+/gi;
/** The same values as JSON fields of a logged request body. */
const JSON_SECRETS = /("(?:state|code|code_verifier)"\s*:\s*")[^"]+/gi;

/** The one-time secret-entry link: whoever reads it first can open the page (SPEC: never in a log line). */
const LINK_SECRETS = /(\/reauth\/form\/)[^/?#\s"'<>\\]+/g;

export function scrubText(text: string): string {
  let out = text
    .replace(URL_SECRETS, `$1${REDACTED}`)
    .replace(JSON_SECRETS, `$1${REDACTED}`)
    .replace(LINK_SECRETS, `$1${REDACTED}`);
  for (const shape of TOKEN_SHAPES) out = out.replace(shape, REDACTED);
  return out;
}

/** Deep copy with sensitive keys blanked and token shapes removed from strings. */
export function scrubValue(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 8) return '[depth]';
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (value instanceof Error) {
    const out: Record<string, unknown> = { type: value.name, message: scrubText(value.message) };
    if (value.stack) out.stack = scrubText(value.stack);
    const code = (value as { code?: unknown }).code;
    if (code !== undefined) out.code = code;
    return out;
  }
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, depth + 1, seen));
  if (Buffer.isBuffer(value)) return `[${value.length} bytes]`;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] =
      SENSITIVE_KEY.test(key) && v !== null && v !== undefined && typeof v !== 'boolean'
        ? REDACTED
        : scrubValue(v, depth + 1, seen);
  }
  return out;
}

export type Logger = PinoLogger;

export function createLogger(options: { level: LogLevel; destination?: DestinationStream; name?: string }): Logger {
  return pino(
    {
      level: options.level,
      name: options.name ?? 'reauth',
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: {
        // Every argument, message text included, passes through the scrubber.
        logMethod(args, method) {
          const scrubbed = args.map((arg) => scrubValue(arg)) as Parameters<typeof method>;
          method.apply(this, scrubbed);
        },
      },
      serializers: { err: (err: unknown) => scrubValue(err) },
    },
    options.destination,
  );
}

const TO_BOLT: Record<string, BoltLogLevel> = {
  trace: BoltLogLevel.DEBUG,
  debug: BoltLogLevel.DEBUG,
  info: BoltLogLevel.INFO,
  warn: BoltLogLevel.WARN,
  error: BoltLogLevel.ERROR,
  fatal: BoltLogLevel.ERROR,
  silent: BoltLogLevel.ERROR,
};

/**
 * Slack SDK log lines that carry a whole incoming payload: at debug level the Socket Mode client logs
 * every message it receives (https://github.com/slackapi/node-slack-sdk/blob/main/packages/socket-mode/src/SocketModeClient.ts), which for a modal submission includes what was pasted —
 * possibly a token with no recognisable shape. The payload is dropped, the line kept.
 */
const PAYLOAD_LINES: readonly RegExp[] = [
  /^(Received a message on the WebSocket:)[\s\S]*/,
  /^(Unable to parse an incoming WebSocket message \(will ignore\):)[\s\S]*/,
];
const FORM_STATE = /"state"\s*:\s*\{\s*"values"/;

export function withoutPayloads(text: string): string {
  for (const line of PAYLOAD_LINES) if (line.test(text)) return text.replace(line, '$1 [payload not logged]');
  return FORM_STATE.test(text) ? '[a log line carrying form input was not logged]' : text;
}

/** Bolt's Logger interface over the same pino instance; Bolt's level changes are ignored. */
export function toBoltLogger(logger: Logger): BoltLogger {
  const child = logger.child({ component: 'bolt' });
  const emit =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...msg: unknown[]) => {
      // Bolt and the Web API client log several debug lines per request; skip the work when they are off.
      if (!child.isLevelEnabled(level)) return;
      const text = msg.map((m) => (typeof m === 'string' ? m : JSON.stringify(scrubValue(m)))).join(' ');
      child[level](withoutPayloads(text));
    };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    setLevel: () => {},
    getLevel: () => TO_BOLT[logger.level] ?? BoltLogLevel.INFO,
    setName: () => {},
  };
}
