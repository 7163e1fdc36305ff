import type { Prng } from './prng.js';

// Small vocabularies: enough variety for realistic row widths and slugs, no external data.
const WORDS = (
  'the of and to in is that for it as with on be by this are from at or an was have not can but all ' +
  'scale cache queue index query latency throughput replica shard pool connection request response ' +
  'server client browser socket stream event worker job retry timeout deadline budget backpressure ' +
  'database table column row transaction lock commit rollback snapshot vacuum planner statement ' +
  'service deploy release rollout canary feature flag metric trace log alert dashboard incident ' +
  'design pattern layer module boundary contract schema migration version upgrade rewrite refactor ' +
  'simple fast reliable careful honest boring small large steady quiet sharp clear practical modern'
).split(' ');
const FIRST =
  'ada alan grace linus ken dennis barbara margaret edsger donald john tim radia frances leslie ' +
  'sophie yuki maria ahmed priya chen olga lucas amara diego ingrid kofi nadia omar sven tara wei zoe'.split(' ').join(' ');
const FIRST_NAMES = FIRST.split(' ');
const LAST_NAMES = (
  'lovelace turing hopper torvalds thompson ritchie liskov hamilton dijkstra knuth backus ' +
  'berners-lee perlman allen lamport martin tanaka garcia hassan patel wang ivanova silva okafor lopez berg ' +
  'mensah haddad nasser lind rao zhang moreau'
).split(' ');

const TECH_TAGS = (
  'javascript typescript node nestjs fastify prisma postgres redis docker kubernetes react vue ' +
  'svelte angular rust go python java kotlin swift css html graphql rest grpc websockets testing devops ' +
  'security performance caching databases architecture career opensource linux cloud aws gcp azure nginx ' +
  'haproxy observability monitoring logging tracing queues kafka rabbitmq bullmq socketio realtime mobile ' +
  'web design ux accessibility algorithms data ml ai'
).split(' ');
const TAG_QUALIFIERS = 'tips basics advanced patterns news tooling internals at-scale in-production howto'.split(' ');

export function personName(rng: Prng): { first: string; last: string } {
  return { first: rng.pick(FIRST_NAMES), last: rng.pick(LAST_NAMES) };
}

/** `count` distinct tag names, the most common ones first (tag id 1 is the most popular). */
export function tagNames(count: number): string[] {
  const names: string[] = [...TECH_TAGS];
  for (const q of TAG_QUALIFIERS) for (const t of TECH_TAGS) names.push(`${t}-${q}`);
  if (count > names.length) for (let i = names.length; i < count; i++) names.push(`topic-${i}`);
  return names.slice(0, count);
}

export function words(rng: Prng, min: number, max: number): string[] {
  const n = rng.range(min, max);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(rng.pick(WORDS));
  return out;
}

export function sentence(rng: Prng, min = 6, max = 16): string {
  const w = words(rng, min, max);
  w[0] = w[0][0].toUpperCase() + w[0].slice(1);
  return `${w.join(' ')}.`;
}

export function title(rng: Prng): string {
  return words(rng, 3, 8)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join(' ');
}

export function paragraphs(rng: Prng, min: number, max: number): string {
  const n = rng.range(min, max);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const sentences: string[] = [];
    const m = rng.range(2, 5);
    for (let j = 0; j < m; j++) sentences.push(sentence(rng));
    out.push(sentences.join(' '));
  }
  return out.join('\n\n');
}

export function slugify(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}
