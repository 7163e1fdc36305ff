import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { PaginationNav } from './pagination-nav.js';

describe('PaginationNav', () => {
  afterEach(cleanup);

  it('links every page with the current one marked', () => {
    render(<PaginationNav total={35} perPage={10} current={2} hrefFor={(p) => `/?tag=x&page=${p}`} />);
    const links = screen.getAllByRole('link');
    expect(links.map((a) => a.getAttribute('href'))).toEqual(['/?tag=x&page=1', '/?tag=x&page=2', '/?tag=x&page=3', '/?tag=x&page=4']);
    expect(screen.getByRole('link', { name: 'Page 2' }).getAttribute('aria-current')).toBe('page');
    expect(screen.getByRole('link', { name: 'Page 1' }).getAttribute('aria-current')).toBeNull();
  });

  it('renders nothing for a single page', () => {
    const { container } = render(<PaginationNav total={10} perPage={10} current={1} hrefFor={String} />);
    expect(container.innerHTML).toBe('');
  });
});
