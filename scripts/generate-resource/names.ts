/** Every spelling of a resource's name the templates need, from one kebab-case singular (`reading-list`). */
export interface ResourceNames {
  /** reading-list */
  kebab: string;
  /** reading-lists: the folder and the URL path. */
  kebabPlural: string;
  /** ReadingList */
  pascal: string;
  /** ReadingLists */
  pascalPlural: string;
  /** readingList: the response key of one item. */
  camel: string;
  /** readingLists: the response key of a list. */
  camelPlural: string;
  /** reading_lists: the table. */
  table: string;
  /** READING_LIST: constants. */
  screaming: string;
}

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

export function pluralize(word: string): string {
  if (/[^aeiou]y$/.test(word)) return `${word.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/.test(word)) return `${word}es`;
  return `${word}s`;
}

const pascalOf = (kebab: string) => kebab.replace(/(^|-)([a-z0-9])/g, (_m, _dash, c: string) => c.toUpperCase());

/** Throws on anything that is not a lowercase kebab-case singular (it becomes a folder, a class, a table). */
export function resourceNames(name: string, plural?: string): ResourceNames {
  if (!NAME.test(name)) throw new Error(`"${name}" is not a kebab-case name (like "bookmark" or "reading-list")`);
  const kebabPlural = plural ?? pluralize(name);
  if (!NAME.test(kebabPlural) || kebabPlural === name) throw new Error(`"${kebabPlural}" is not a usable plural of "${name}"`);
  const pascal = pascalOf(name);
  const pascalPlural = pascalOf(kebabPlural);
  return {
    kebab: name,
    kebabPlural,
    pascal,
    pascalPlural,
    camel: pascal[0].toLowerCase() + pascal.slice(1),
    camelPlural: pascalPlural[0].toLowerCase() + pascalPlural.slice(1),
    table: kebabPlural.replace(/-/g, '_'),
    screaming: name.replace(/-/g, '_').toUpperCase(),
  };
}
