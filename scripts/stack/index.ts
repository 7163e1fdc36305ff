// Public surface of the no-Docker stack, for load tests and resilience tests:
//   const stack = await startStack({ instances: 2, ports: 'auto' });
//   ... traffic to stack.urls.lb ...; await stack.killInstance(1); await stack.restartInstance(2);
//   await stack.stop();
export { startStack, waitFor, type Stack, type StackOptions, type StackUrls, type InstanceHandle, type ConnectionBudget } from './stack.js';
export { fixedPorts, randomPorts, freePort, type StackPorts } from './ports.js';
export { fetchLbStatus, type LbServerStatus } from './haproxy-stats.js';
