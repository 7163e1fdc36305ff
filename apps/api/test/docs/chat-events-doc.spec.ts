import { readFileSync, readdirSync } from 'node:fs';
import { CHAT_EVENTS, CHAT_NAMESPACE } from '@conduit/contracts';
import { describe, expect, it } from 'vitest';

/**
 * docs/chat-events.md is the chat's contract page (the OpenAPI document covers REST only). It must
 * name exactly the events the code has, in the directions the gateway uses them, and the error codes
 * with the REST statuses the chat controller maps them to.
 */
const root = new URL('../../../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const page = read('docs/chat-events.md');
const chatSources = readdirSync(new URL('apps/api/src/chat/', root))
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'))
  .map((f) => read(`apps/api/src/chat/${f}`))
  .join('\n');
const eventOf = (key: string) => CHAT_EVENTS[key as keyof typeof CHAT_EVENTS];
const uniqueSorted = (values: string[]) => [...new Set(values)].sort();

const rows = [...page.matchAll(/^\| `([^`]+)` \| (client → server|server → client) \|/gm)].map((m) => ({ event: m[1], direction: m[2] }));
const documented = (direction: string) => uniqueSorted(rows.filter((r) => r.direction === direction).map((r) => r.event));

describe('docs/chat-events.md', () => {
  it('names every chat event of libs/contracts and no other', () => {
    expect(rows.length).toBeGreaterThan(0);
    expect(uniqueSorted(rows.map((r) => r.event))).toEqual(uniqueSorted(Object.values(CHAT_EVENTS)));
  });

  it('client -> server events are exactly those the gateway subscribes to', () => {
    const subscribed = [...read('apps/api/src/chat/chat.gateway.ts').matchAll(/@SubscribeMessage\(CHAT_EVENTS\.(\w+)\)/g)].map((m) => eventOf(m[1]));
    expect(documented('client → server')).toEqual(uniqueSorted(subscribed));
  });

  it('server -> client events are exactly those the chat code emits', () => {
    const emitted = [...chatSources.matchAll(/\.emit\(CHAT_EVENTS\.(\w+)/g)].map((m) => eventOf(m[1]));
    expect(documented('server → client')).toEqual(uniqueSorted(emitted));
  });

  it('lists every error code with the REST status the chat controller maps it to', () => {
    const codes = /export type ChatErrorCode = ([^;]+);/.exec(read('libs/contracts/src/chat.ts'))?.[1] ?? '';
    const declared = uniqueSorted([...codes.matchAll(/'(\w+)'/g)].map((m) => m[1]));
    const table = [...page.matchAll(/^\| `(\w+)` \| [^|]+ \| (\d{3}) \|$/gm)].map((m) => [m[1], Number(m[2])] as const);
    expect(uniqueSorted(table.map(([code]) => code))).toEqual(declared);
    const statusMap = /const STATUS[^{]*\{([^}]+)\}/.exec(read('apps/api/src/chat/chat.controller.ts'))?.[1] ?? '';
    const mapped = Object.fromEntries([...statusMap.matchAll(/(\w+): (\d{3})/g)].map((m) => [m[1], Number(m[2])]));
    expect(Object.fromEntries(table)).toEqual(mapped);
  });

  it('states the namespace', () => {
    expect(page).toContain(`namespace **\`${CHAT_NAMESPACE}\`**`);
  });
});
