/** The Slack error code of a failed Web API call (`channel_not_found`, `ratelimited`, …), or a short description. */
export function slackErrorCode(error: unknown): string {
  const data = (error as { data?: { error?: unknown } }).data;
  if (typeof data?.error === 'string') return data.error;
  const code = (error as { code?: unknown }).code;
  if (code === 'slack_webapi_rate_limited_error') return 'ratelimited';
  if (code === 'slack_webapi_request_error' || code === 'slack_webapi_http_error') return 'slack_unreachable';
  return (error as Error).message ?? 'unknown_error';
}
