/**
 * The V8 flags the API runs with wherever it runs: `npm start` (this stack), `npm run dev`, the
 * container image (infra/docker/node-app.Dockerfile CMD), `npm run start:api` and the benchmarks
 * that measure the API as users run it. infra/test/api-node-flags.spec.ts keeps the copies that
 * cannot import this one (the Dockerfile, package.json) equal to it.
 *
 * --max-semi-space-size=32 (MB; Node 20's default is 16): a request allocates short-lived objects
 * (headers, promises, parsed rows, JSON strings), and a young generation twice as large is
 * scavenged half as often, while each scavenge copies only what is still alive. Measured on a
 * 2-core box (README, "Cost per request and breaking point"): a signed-in cached list served
 * 6-12% more requests/s at saturation (32, 64 and 128 MB within a few percent of each other); at
 * the release gate's pattern no change beyond the box's run-to-run drift. The price is up to
 * 32 MB more heap per instance under load (the young generation grows only as needed).
 */
export const API_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=32'];
