// Prints what the adversarial suite reported (test-results/adversarial/*.json): the counts the README's
// reliability section quotes. `npm run soak` runs the suite at full size, then this.
import { existsSync, readdirSync, readFileSync } from 'node:fs';

const folder = 'test-results/adversarial';
if (!existsSync(folder)) {
  console.error('No reports found: run the adversarial suite first (npm run soak).');
  process.exit(1);
}
const reports = Object.fromEntries(readdirSync(folder).filter((f) => f.endsWith('.json')).map((f) => [f.replace(/\.json$/, ''), JSON.parse(readFileSync(`${folder}/${f}`, 'utf8'))]));
const { crash = {}, fuzz = {}, forgery = {}, faults = {} } = reports;
const lines = [
  `Adversarial suite${crash.soak ? ' (soak)' : ' (CI size)'}`,
  `  crash consistency: ${crash.kills ?? 0} SIGKILLs over ${crash.operationsCompleted ?? 0} completed operations (re-auth ${crash.reauth ?? 0}, catalogue sync ${crash.sync ?? 0}, key rotation ${crash.rotate ?? 0}, alert transitions ${crash.alert ?? 0}); ${crash.inconsistencies ?? '?'} inconsistencies; alert posts ${crash.alertPosts ?? 0}, left unrecorded by a kill ${crash.unrecordedPostsBeforeRecovery ?? 0}, still unrecorded after recovery ${crash.unrecordedPostsAfterRecovery ?? '?'}, posted twice ${crash.duplicatePosts ?? '?'}`,
  `  fuzzing: ${fuzz.cases ?? 0} generated requests, ${fuzz.serverErrors ?? '?'} answered with a 5xx`,
  `  forgery and tampering: ${forgery.scenarios ?? 0} scenarios refused, nothing changed`,
  `  faults: ${faults.scenarios ?? 0} provider and Slack fault scenarios handled`,
  '  secret canary: no planted secret in logs, Slack calls, HTTP answers, the database or its WAL (asserted in every file)',
];
console.log(lines.join('\n'));
