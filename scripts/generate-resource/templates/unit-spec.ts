import type { ResourceNames } from '../names.js';

export function unitSpecTemplate(n: ResourceNames): string {
  return `import { describe, expect, it } from 'vitest';
import { create${n.pascal}Schema, list${n.pascalPlural}QuerySchema, parse${n.pascal}Id, to${n.pascal}, update${n.pascal}Schema } from './${n.kebab}.schemas.js';

describe('${n.kebab} schemas', () => {
  it('accepts a title (trimmed) and defaults the body; refuses blanks and unknown fields', () => {
    expect(create${n.pascal}Schema.parse({ ${n.camel}: { title: '  First  ' } })).toEqual({ ${n.camel}: { title: 'First', body: '' } });
    expect(create${n.pascal}Schema.safeParse({ ${n.camel}: { title: '   ' } }).success).toBe(false);
    expect(create${n.pascal}Schema.safeParse({ ${n.camel}: { title: 'x', authorId: 1 } }).success).toBe(false);
    expect(update${n.pascal}Schema.safeParse({ ${n.camel}: {} }).success).toBe(false);
  });

  it('bounds the page window and parses ids that fit int4 only', () => {
    expect(list${n.pascalPlural}QuerySchema.parse({})).toEqual({ limit: 20, offset: 0 });
    expect(list${n.pascalPlural}QuerySchema.safeParse({ limit: '101' }).success).toBe(false);
    expect(list${n.pascalPlural}QuerySchema.safeParse({ offset: '-1' }).success).toBe(false);
    expect(['1', '2147483647', '0', '2147483648', '1e3', 'x'].map(parse${n.pascal}Id)).toEqual([1, 2147483647, null, null, null, null]);
  });

  it('maps a record to the response shape', () => {
    const at = new Date('2026-01-02T03:04:05.678Z');
    expect(to${n.pascal}({ id: 7, title: 't', body: 'b', createdAt: at, updatedAt: at, authorId: 3, authorUsername: 'ann' })).toEqual({
      id: 7,
      title: 't',
      body: 'b',
      createdAt: '2026-01-02T03:04:05.678Z',
      updatedAt: '2026-01-02T03:04:05.678Z',
      author: { username: 'ann' },
    });
  });
});
`;
}
