import { Link } from '../router/router.js';
import { pageCount, pageWindow } from './pagination.js';

/** Page links (real hrefs, so each page is linkable and keyboard-reachable). */
export function PaginationNav({ total, perPage, current, hrefFor }: { total: number; perPage: number; current: number; hrefFor: (page: number) => string }) {
  const count = pageCount(total, perPage);
  if (count <= 1) return null;
  return (
    <nav aria-label="Pages">
      <ul className="pagination">
        {pageWindow(current, count).map((page, i) =>
          page === null ? (
            <li key={`gap-${i}`} aria-hidden="true" className="page-gap">
              …
            </li>
          ) : (
            <li key={page} className={page === current ? 'page-item active' : 'page-item'}>
              <Link to={hrefFor(page)} aria-current={page === current ? 'page' : undefined} aria-label={`Page ${page}`}>
                {page}
              </Link>
            </li>
          ),
        )}
      </ul>
    </nav>
  );
}
