import type { ProviderHook } from './types.js';

/**
 * Azure DevOps may answer a bad PAT with a 2xx (203) HTML sign-in page instead of a 401
 * (https://github.com/MicrosoftDocs/vsts-rest-api-specs/issues/97); we send X-TFS-FedAuthRedirect: Suppress and also require JSON.
 */
export const azureDevopsHook: ProviderHook = {
  inspect(ctx, response) {
    const org = ctx.target.organization ?? ctx.target.url;
    if (response.status >= 200 && response.status < 300) {
      const type = response.headers['content-type'] ?? '';
      if (!type.includes('json') || response.body.trimStart().startsWith('<')) {
        return {
          kind: 'invalid_credentials',
          reason: `Azure DevOps answered with a sign-in page (HTTP ${response.status}) instead of data: the token is wrong, expired, or not valid for organization ${org}. Create a PAT for that organization and try again.`,
        };
      }
    }
    if (response.status === 401 && response.body.includes('TF400813')) {
      return {
        kind: 'invalid_credentials',
        reason: `Azure DevOps organization ${org} does not accept this credential (TF400813): its user is not a member, or the organization blocks this kind of access. Check the user's access to ${org} and try again.`,
      };
    }
    return undefined;
  },
  afterValid(ctx, _secret, outcome) {
    // connectionData answers anonymous callers too; an authenticated user always has a descriptor-backed id.
    if (/^0{8}-/.test(outcome.identity.id)) {
      return {
        kind: 'invalid_credentials',
        reason: `Azure DevOps treated the request as anonymous: the credential was not accepted for organization ${ctx.target.organization}. Create a new PAT and try again.`,
      };
    }
    return outcome;
  },
};
