import { describe, expect, it } from 'vitest';
import { pluralize, resourceNames } from '../../../scripts/generate-resource/names.js';

describe('resourceNames', () => {
  it('derives every spelling from a kebab-case singular', () => {
    expect(resourceNames('reading-list')).toEqual({
      kebab: 'reading-list',
      kebabPlural: 'reading-lists',
      pascal: 'ReadingList',
      pascalPlural: 'ReadingLists',
      camel: 'readingList',
      camelPlural: 'readingLists',
      table: 'reading_lists',
      screaming: 'READING_LIST',
    });
  });

  it('pluralizes the common English endings and takes an explicit plural', () => {
    expect(['bookmark', 'category', 'box', 'batch', 'day'].map(pluralize)).toEqual(['bookmarks', 'categories', 'boxes', 'batches', 'days']);
    expect(resourceNames('person', 'people').pascalPlural).toBe('People');
  });

  it('refuses names that cannot be a folder, a class and a table', () => {
    for (const bad of ['Bookmark', 'reading_list', '1st', 'a--b', '', 'drop table']) expect(() => resourceNames(bad)).toThrow(/kebab-case/);
    expect(() => resourceNames('sheep', 'sheep')).toThrow(/plural/);
  });
});
