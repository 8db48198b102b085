/** Every scenario in run order. Add a scenario here and the runner picks it up. */
import { capacityScenario } from './capacity.js';
import { churnScenario } from './churn.js';
import { crossNodeScenario } from './cross-node.js';
import { joinStormScenario } from './join-storm.js';
import { meshJoinScenario } from './mesh-join.js';
import { redisScenario } from './redis-cost.js';
import { relayScenario } from './relay.js';
import type { Scenario } from './scenario.js';
import { soakScenario } from './soak.js';

/** The scenarios of `npm run bench`. */
export const SCENARIOS: Scenario[] = [
  relayScenario,
  capacityScenario,
  joinStormScenario,
  meshJoinScenario,
  churnScenario,
  crossNodeScenario,
  redisScenario,
  soakScenario,
];
