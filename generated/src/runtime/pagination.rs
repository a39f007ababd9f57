//! Streams over the pages and items of paginated list operations.

use std::collections::HashSet;
use std::future::Future;

use futures_core::Stream;
use futures_util::{TryStreamExt, stream};

use super::Error;

/// The most pages one stream requests: 1,000,000 objects at Asana's largest page size, more
/// than any real listing, yet an end to a server whose `next_page` never runs out.
pub(crate) const MAX_PAGES: usize = 10_000;

/// One page of a paginated list response.
///
/// Implemented by the response types of list operations, whose request builders' `pages()`
/// streams yield it.
///
/// Streams follow `next_page` until a page has none, and also stop, so that a misbehaving
/// server cannot keep them going without end:
/// - after an empty page, even if it has a `next_page`: it brought nothing and would bring
///   nothing new;
/// - with [`Error::RepeatedOffset`] when a `next_page` offset is one the stream already
///   followed, which would request the same pages again and again;
/// - with [`Error::TooManyPages`] after 10,000 pages (a million objects at the largest page
///   size);
/// - after `max_items` items, when the request builder set that cap.
pub trait Page {
    /// The type of the listed objects.
    type Item;

    /// The offset token of the next page, or `None` on the last page.
    fn next_offset(&self) -> Option<&str>;

    /// The objects on this page.
    fn items_mut(&mut self) -> &mut Vec<Self::Item>;

    /// Takes the objects on this page.
    fn into_items(self) -> Vec<Self::Item>;
}

/// Implemented by the request builder of every paginated operation.
#[allow(
    dead_code,
    reason = "generated code uses this only when its spec has paginated operations"
)]
pub(crate) trait Paginated<'a>: Clone + Send + 'a {
    /// The response of one request.
    type Page: Page + Send + 'a;

    /// Sets the `offset` parameter, which selects the page.
    fn set_offset(&mut self, offset: String);

    /// The `limit` parameter (page size), if set.
    fn limit(&self) -> Option<i64>;

    /// Sets the `limit` parameter.
    fn set_limit(&mut self, limit: i64);

    /// The most items to return over all pages, if capped.
    fn max_items(&self) -> Option<usize>;

    /// The largest page size the API accepts, from the spec; streams ask for it when no `limit` is set,
    /// to make as few requests as possible.
    fn max_page_size(&self) -> Option<i64>;

    /// Sends the request for one page.
    fn fetch(self) -> impl Future<Output = Result<Self::Page, Error>> + Send + 'a;
}

/// Requests pages one by one, starting with `request` as built and following each page's
/// next offset, until the last page or until `max_items` items have been yielded; see
/// [`Page`] for the other ends.
///
/// With a cap, the page that reaches it is truncated, no further page is requested, and a
/// request's `limit` is lowered to the number of items still wanted. A cap of 0 requests
/// nothing. The stream ends after the first error.
#[allow(
    dead_code,
    reason = "generated code uses this only when its spec has paginated operations"
)]
pub(crate) fn pages<'a, R: Paginated<'a>>(
    request: R,
) -> impl Stream<Item = Result<R::Page, Error>> + Send + 'a {
    pages_up_to(request, MAX_PAGES)
}

/// [`pages`], stopping with [`Error::TooManyPages`] before requesting page `max_pages + 1`.
fn pages_up_to<'a, R: Paginated<'a>>(
    request: R,
    max_pages: usize,
) -> impl Stream<Item = Result<R::Page, Error>> + Send + 'a {
    let mut request = request;
    if request.limit().is_none() {
        if let Some(max_page_size) = request.max_page_size() {
            request.set_limit(max_page_size);
        }
    }
    let remaining = request.max_items();
    // `None` once there is no page left to request.
    let first = Some(Cursor {
        request,
        remaining,
        fetched: 0,
        offsets: HashSet::new(),
    });
    stream::try_unfold(first, move |next| async move {
        let Some(mut cursor) = next else {
            return Ok(None);
        };
        if let Some(remaining) = cursor.remaining {
            if remaining == 0 {
                return Ok(None);
            }
            lower_limit(&mut cursor.request, remaining);
        }
        if cursor.fetched == max_pages {
            return Err(Error::TooManyPages { max_pages });
        }
        let mut page = cursor.request.clone().fetch().await?;
        cursor.fetched += 1;
        let page_items = page.items_mut();
        if let Some(remaining) = &mut cursor.remaining {
            page_items.truncate(*remaining);
            *remaining -= page_items.len();
        }
        let brought_nothing = page_items.is_empty();
        let next = match page.next_offset() {
            Some(_) if brought_nothing || cursor.remaining == Some(0) => None,
            Some(offset) => {
                if !cursor.offsets.insert(offset.to_owned()) {
                    return Err(Error::RepeatedOffset {
                        page: cursor.fetched,
                    });
                }
                cursor.request.set_offset(offset.to_owned());
                Some(cursor)
            }
            None => None,
        };
        Ok(Some((page, next)))
    })
}

/// Where a stream of pages is: the request for the next page, and what bounds the rest.
struct Cursor<R> {
    request: R,
    /// Items still wanted, when capped.
    remaining: Option<usize>,
    /// Pages fetched so far.
    fetched: usize,
    /// Every offset followed so far: a server sending one again would loop.
    offsets: HashSet<String>,
}

/// Like [`pages`], yielding the items of each page in order.
#[allow(
    dead_code,
    reason = "generated code uses this only when its spec has paginated operations"
)]
pub(crate) fn items<'a, R: Paginated<'a>>(
    request: R,
) -> impl Stream<Item = Result<<R::Page as Page>::Item, Error>> + Send + 'a
where
    <R::Page as Page>::Item: Send + 'a,
{
    pages(request)
        .map_ok(|page| stream::iter(page.into_items().into_iter().map(Ok::<_, Error>)))
        .try_flatten()
}

/// Asks for no more than `remaining` items, so the last page is not larger than needed.
#[allow(
    dead_code,
    reason = "generated code uses this only when its spec has paginated operations"
)]
fn lower_limit<'a, R: Paginated<'a>>(request: &mut R, remaining: usize) {
    if let Ok(remaining) = i64::try_from(remaining) {
        if request.limit().is_some_and(|limit| remaining < limit) {
            request.set_limit(remaining);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::pin::pin;
    use std::sync::{Arc, Mutex};
    use std::task::{Context, Poll, Waker};

    use super::*;

    /// The `offset` and `limit` of one fetch.
    type Fetch = (Option<String>, Option<i64>);

    /// Page size of the fake server when the request sets no limit.
    const DEFAULT_PAGE_SIZE: usize = 4;

    #[derive(Debug, PartialEq)]
    struct FakePage {
        items: Vec<usize>,
        next_offset: Option<String>,
    }

    impl Page for FakePage {
        type Item = usize;
        fn next_offset(&self) -> Option<&str> {
            self.next_offset.as_deref()
        }
        fn items_mut(&mut self) -> &mut Vec<usize> {
            &mut self.items
        }
        fn into_items(self) -> Vec<usize> {
            self.items
        }
    }

    /// The page a misbehaving server answers for an offset.
    type Serve = Arc<dyn Fn(Option<&str>) -> FakePage + Send + Sync>;

    /// A request to a fake server listing the numbers `0..total`; it records the `offset` and
    /// `limit` of every page fetched.
    #[derive(Clone)]
    struct FakeRequest {
        total: usize,
        offset: Option<String>,
        limit: Option<i64>,
        max_items: Option<usize>,
        /// Zero-based index of a fetch that fails.
        fail_at: Option<usize>,
        /// Replaces the listing of `0..total`.
        serve: Option<Serve>,
        fetched: Arc<Mutex<Vec<Fetch>>>,
    }

    impl FakeRequest {
        fn new(total: usize, limit: Option<i64>, max_items: Option<usize>) -> Self {
            Self {
                total,
                offset: None,
                limit,
                max_items,
                fail_at: None,
                serve: None,
                fetched: Arc::default(),
            }
        }

        /// A request to a server answering `serve(offset)` for each page.
        fn serving(
            max_items: Option<usize>,
            serve: impl Fn(Option<&str>) -> FakePage + Send + Sync + 'static,
        ) -> Self {
            Self {
                serve: Some(Arc::new(serve)),
                ..Self::new(0, None, max_items)
            }
        }

        fn fetched(&self) -> Vec<Fetch> {
            self.fetched.lock().unwrap().clone()
        }
    }

    impl Paginated<'static> for FakeRequest {
        type Page = FakePage;
        fn set_offset(&mut self, offset: String) {
            self.offset = Some(offset);
        }
        fn limit(&self) -> Option<i64> {
            self.limit
        }
        fn set_limit(&mut self, limit: i64) {
            self.limit = Some(limit);
        }
        fn max_items(&self) -> Option<usize> {
            self.max_items
        }
        fn max_page_size(&self) -> Option<i64> {
            None
        }
        fn fetch(self) -> impl Future<Output = Result<FakePage, Error>> + Send + 'static {
            let mut fetched = self.fetched.lock().unwrap();
            let result = if Some(fetched.len()) == self.fail_at {
                Err(Error::Config("fake failure".into()))
            } else if let Some(serve) = &self.serve {
                Ok(serve(self.offset.as_deref()))
            } else {
                let start: usize = self.offset.as_deref().map_or(0, |o| o.parse().unwrap());
                let size = self
                    .limit
                    .map_or(DEFAULT_PAGE_SIZE, |l| l.try_into().unwrap());
                let end = (start + size).min(self.total);
                Ok(FakePage {
                    items: (start..end).collect(),
                    next_offset: (end < self.total).then(|| end.to_string()),
                })
            };
            fetched.push((self.offset.clone(), self.limit));
            std::future::ready(result)
        }
    }

    /// Polls `stream` to the end; the fake's futures are always ready, so no runtime is needed.
    fn collect<S: Stream>(stream: S) -> Vec<S::Item> {
        let mut stream = pin!(stream);
        let mut cx = Context::from_waker(Waker::noop());
        let mut out = Vec::new();
        loop {
            match stream.as_mut().poll_next(&mut cx) {
                Poll::Ready(Some(item)) => out.push(item),
                Poll::Ready(None) => return out,
                Poll::Pending => panic!("the fake never waits"),
            }
        }
    }

    fn page_sizes(request: FakeRequest) -> Vec<usize> {
        collect(pages(request))
            .into_iter()
            .map(|page| page.unwrap().items.len())
            .collect()
    }

    fn offset(offset: &str) -> Option<String> {
        Some(offset.to_owned())
    }

    #[test]
    fn follows_next_offset_to_the_last_page() {
        let request = FakeRequest::new(10, Some(4), None);
        assert_eq!(page_sizes(request.clone()), [4, 4, 2]);
        assert_eq!(
            request.fetched(),
            [
                (None, Some(4)),
                (offset("4"), Some(4)),
                (offset("8"), Some(4))
            ]
        );
    }

    #[test]
    fn single_page_without_next_offset() {
        let request = FakeRequest::new(3, None, None);
        assert_eq!(page_sizes(request.clone()), [3]);
        assert_eq!(request.fetched().len(), 1);
    }

    #[test]
    fn cap_lowers_the_limit_of_the_last_request() {
        let request = FakeRequest::new(10, Some(4), Some(6));
        assert_eq!(page_sizes(request.clone()), [4, 2]);
        assert_eq!(request.fetched(), [(None, Some(4)), (offset("4"), Some(2))]);
    }

    #[test]
    fn cap_below_the_first_limit_lowers_it_too() {
        let request = FakeRequest::new(10, Some(4), Some(3));
        assert_eq!(page_sizes(request.clone()), [3]);
        assert_eq!(request.fetched(), [(None, Some(3))]);
    }

    #[test]
    fn cap_truncates_the_last_page_when_no_limit_is_set() {
        let request = FakeRequest::new(10, None, Some(5));
        assert_eq!(page_sizes(request.clone()), [4, 1]);
        assert_eq!(request.fetched(), [(None, None), (offset("4"), None)]);
    }

    #[test]
    fn cap_on_a_page_boundary_requests_no_further_page() {
        let request = FakeRequest::new(10, Some(4), Some(8));
        assert_eq!(page_sizes(request.clone()), [4, 4]);
        assert_eq!(request.fetched().len(), 2);
    }

    #[test]
    fn cap_above_the_total_stops_at_the_last_page() {
        let request = FakeRequest::new(5, Some(4), Some(100));
        assert_eq!(page_sizes(request.clone()), [4, 1]);
        assert_eq!(request.fetched(), [(None, Some(4)), (offset("4"), Some(4))]);
    }

    #[test]
    fn cap_of_zero_requests_nothing() {
        let request = FakeRequest::new(10, Some(4), Some(0));
        assert!(page_sizes(request.clone()).is_empty());
        assert!(request.fetched().is_empty());
    }

    #[test]
    fn items_are_flattened_in_order_and_capped_exactly() {
        let request = FakeRequest::new(100, Some(3), Some(7));
        let items: Vec<usize> = collect(items(request))
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(items, [0, 1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn an_offset_seen_on_any_earlier_page_ends_the_stream_with_an_error() {
        // `a` -> `b` -> `a`: the third page would start the loop again. (A server repeating the
        // previous offset, and empty pages, are tested over the wire in `tests/pagination.rs`.)
        let request = FakeRequest::serving(Some(10), |offset| FakePage {
            items: vec![1],
            next_offset: Some(if offset == Some("a") { "b" } else { "a" }.to_owned()),
        });
        let results = collect(pages(request.clone()));
        assert_eq!(results.len(), 3, "{results:?}");
        assert!(results[..2].iter().all(Result::is_ok));
        assert!(matches!(results[2], Err(Error::RepeatedOffset { page: 3 })));
        assert_eq!(request.fetched().len(), 3);
    }

    #[test]
    fn streams_stop_after_max_pages_with_an_error() {
        let counter = Mutex::new(0_usize);
        let request = FakeRequest::serving(None, move |_| {
            let mut served = counter.lock().unwrap();
            *served += 1;
            FakePage {
                items: vec![*served],
                next_offset: Some(served.to_string()),
            }
        });
        let results = collect(pages_up_to(request.clone(), 5));
        assert_eq!(results.len(), 6);
        assert!(results[..5].iter().all(Result::is_ok));
        assert!(matches!(
            results[5],
            Err(Error::TooManyPages { max_pages: 5 })
        ));
        assert_eq!(request.fetched().len(), 5);
    }

    #[test]
    fn stream_ends_after_an_error() {
        let request = FakeRequest {
            fail_at: Some(1),
            ..FakeRequest::new(10, Some(4), None)
        };
        let results = collect(items(request.clone()));
        assert_eq!(results.len(), 5);
        assert!(results.iter().take(4).all(Result::is_ok));
        assert!(matches!(results.last(), Some(Err(Error::Config(_)))));
        assert_eq!(request.fetched().len(), 2);
    }
}
