// Prints what the adversarial suite reported (test-results/adversarial/*.json): the counts the README's
// reliability section quotes. `npm run soak` runs the suite at full size, then this.
import { existsSync, readdirSync, readFileSync } from 'node:fs';

const folder = 'test-results/adversarial';
if (!existsSync(folder)) {
  console.error('No reports found: run the adversarial suite first (npm run soak).');
  process.exit(1);
}
const reports = Object.fromEntries(
  readdirSync(folder)
    .filter((f) => f.endsWith('.json'))
    .map((f) => [f.replace(/\.json$/, ''), JSON.parse(readFileSync(`${folder}/${f}`, 'utf8'))]),
);
const {
  crash = {},
  fuzz = {},
  forgery = {},
  faults = {},
  'replicas-crash': replicas = {},
  'rotation-crash': rotation = {},
} = reports;
const lines = [
  `Adversarial suite${crash.soak ? ' (soak)' : ' (CI size)'}`,
  `  crash consistency: ${crash.kills ?? 0} SIGKILLs over ${crash.operationsCompleted ?? 0} completed operations (re-auth ${crash.reauth ?? 0}, catalogue sync ${crash.sync ?? 0}, key rotation ${crash.rotate ?? 0}, alert transitions ${crash.alert ?? 0}); ${crash.inconsistencies ?? '?'} inconsistencies; alert posts ${crash.alertPosts ?? 0}, left unrecorded by a kill ${crash.unrecordedPostsBeforeRecovery ?? 0}, still unrecorded after recovery ${crash.unrecordedPostsAfterRecovery ?? '?'}, posted twice ${crash.duplicatePosts ?? '?'}`,
  `  two replicas on PostgreSQL: ${replicas.kills ?? 0} SIGKILLs of one replica while the other worked, over ${(replicas.reauth ?? 0) + (replicas.refresh ?? 0) + (replicas.deliver ?? 0) + (replicas.sync ?? 0)} operations (re-auth ${replicas.reauth ?? 0}, OAuth refresh ${replicas.refresh ?? 0}, delivery runs ${replicas.deliver ?? 0}, catalogue sync ${replicas.sync ?? 0}); ${replicas.versions ?? 0} versions committed, every one delivered (${replicas.deliveries ?? 0} deliveries, ${replicas.repeatedDeliveries ?? 0} repeated after a kill, never older after newer, never two senders at once); ${replicas.refreshGrants ?? 0} refresh grants, none two at once (${replicas.refusedRefreshes ?? 0} refused after a kill between the provider's answer and the commit); ${replicas.inconsistencies ?? '?'} inconsistencies`,
  `  rotation: ${rotation.kills ?? 0} SIGKILLs at random moments of GitLab rotations (${rotation.rotated ?? 0} completed); after each restart the stored credential worked (${rotation.stillWorking ?? 0}) or GitLab had revoked it and the alert was posted (${rotation.revokedAndAlerted ?? 0} at start-up, ${rotation.alertedAtNextProbe ?? 0} at the next probe); ${rotation.inconsistencies ?? '?'} inconsistencies`,
  `  fuzzing: ${fuzz.cases ?? 0} generated requests, ${fuzz.serverErrors ?? '?'} answered with a 5xx`,
  `  forgery and tampering: ${forgery.scenarios ?? 0} scenarios refused, nothing changed`,
  `  faults: ${faults.scenarios ?? 0} provider and Slack fault scenarios handled`,
  '  secret canary: no planted secret in logs, Slack calls, HTTP answers, the database or its WAL (asserted in every file)',
];
console.log(lines.join('\n'));
