import type { CodeerPagination } from './codeer-envelope';

/** One page of a list: the items and the envelope's `pagination`. */
export interface CodeerPage<T> {
  /** The items of this page. */
  data: T[];
  /** Offset / limit / totals, when the server sent them. */
  pagination: CodeerPagination | undefined;
}

/**
 * Iterates every item of an offset / limit list, fetching pages as they are needed: `offset` advances
 * by the items received, until `offset >= total_records` (or, without totals, an empty or short page).
 */
export async function* paginate<T>(
  fetchPage: (offset: number, limit: number) => Promise<CodeerPage<T>>,
  start: { offset: number; limit: number },
): AsyncGenerator<T, void, undefined> {
  let offset = start.offset;
  for (;;) {
    const page = await fetchPage(offset, start.limit);
    for (const item of page.data) yield item;
    offset += page.data.length;
    const total = page.pagination?.total_records;
    if (page.data.length === 0) return;
    if (typeof total === 'number') {
      if (offset >= total) return;
    } else if (page.data.length < start.limit) {
      return;
    }
  }
}
