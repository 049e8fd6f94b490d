import type { HookName } from '../types.js';
import { azureDevopsHook } from './azure-devops.js';
import { bitbucketAccessTokenHook } from './bitbucket.js';
import { githubActionsHook, githubHook } from './github.js';
import { gitlabHook } from './gitlab.js';
import { harnessHook } from './harness.js';
import { jiraHook } from './jira.js';
import { sonarqubeHook } from './sonarqube.js';
import type { ProviderHook } from './types.js';

/** Hooks by name; the provider table says which one an auth type uses. */
export const HOOKS: Record<HookName, ProviderHook> = {
  jira: jiraHook,
  github: githubHook,
  github_actions: githubActionsHook,
  azure_devops: azureDevopsHook,
  sonarqube: sonarqubeHook,
  gitlab: gitlabHook,
  harness: harnessHook,
  bitbucket_access_token: bitbucketAccessTokenHook,
};
