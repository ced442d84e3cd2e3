//! The one paginator, for every operation the document pages (`x-dbss-pagination`): by offset
//! and limit or by page number and size, in the query or in the body.
//!
//! It asks for the largest page the operation serves unless the request sets a size, and
//! stops at the first of: a page shorter than the size asked for, the answer's total reached,
//! an empty page, or a page identical to the one before (a server that ignores the position
//! would otherwise be asked for the same page forever).

use std::collections::hash_map::DefaultHasher;
use std::future::Future;
use std::hash::{Hash, Hasher};

use futures::{Stream, StreamExt, TryStreamExt};
use serde::Serialize;

use crate::execution::error::Error;
use crate::typed::output::Output;

/// How an operation's pages are addressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PagingStyle {
    /// By the number of items to skip.
    Offset,
    /// By page number, the first page being `first`.
    Page {
        /// The number of the first page (0 or 1).
        first: u64,
    },
}

/// The paging facts of an operation, from the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Paging {
    /// How pages are addressed.
    pub style: PagingStyle,
    /// The largest page the operation serves.
    pub max_size: u64,
}

/// A request of an operation that answers one page of a longer list. Implemented by the
/// generated builders of the paged operations, and by a call by name
/// ([`ApiRequest`](crate::api::ApiRequest)) from the operation table's facts; [`Paginator`]
/// drives it.
pub trait Paged: Clone + Send + Sized {
    /// The answer: one page.
    type Page: Serialize + Send;
    /// One item of a page.
    type Item: Send;
    /// How the operation pages.
    fn paging(&self) -> Paging;
    /// The page size the request asks for, if set.
    fn page_size(&self) -> Option<u64>;
    /// The position (offset or page number) the request asks for, if set.
    fn position(&self) -> Option<u64>;
    /// The request with its page size set.
    fn with_page_size(self, size: u64) -> Self;
    /// The request for the page at `position` (an offset or a page number).
    fn at(self, position: u64) -> Self;
    /// The number of items of a page.
    fn item_count(&self, page: &Self::Page) -> usize;
    /// The number of items in all pages, when the answer says.
    fn total(&self, page: &Self::Page) -> Option<u64>;
    /// The items of a page.
    fn page_items(&self, page: Self::Page) -> Vec<Self::Item>;
    /// Sends the request for one page.
    fn send_page(self) -> impl Future<Output = Result<Output<Self::Page>, Error>> + Send;
}

/// Fetches the pages of a list one after the other, from the position the request set (or
/// the first).
#[derive(Debug)]
#[must_use = "a paginator does nothing until its pages are asked for"]
pub struct Paginator<R> {
    /// The request as given: what reads the pages.
    template: R,
    paging: Paging,
    /// The request of the next page; `None` once the last page was answered or a call failed.
    next: Option<R>,
    position: u64,
    size: u64,
    /// How many items come before the next page.
    start: u64,
    last_page: Option<u64>,
}

impl<R: Paged> Paginator<R> {
    /// A paginator over the pages of `request`.
    pub fn new(request: R) -> Self {
        let paging = request.paging();
        // A size the caller set is kept (a server that refuses it says so); otherwise the
        // largest page the operation serves, so that a short page means the last one.
        let size = request.page_size().unwrap_or(paging.max_size).max(1);
        let (position, start) = match paging.style {
            PagingStyle::Offset => {
                let offset = request.position().unwrap_or(0);
                (offset, offset)
            }
            PagingStyle::Page { first } => {
                let page = request.position().unwrap_or(first).max(first);
                (page, (page - first).saturating_mul(size))
            }
        };
        Self {
            template: request.clone(),
            paging,
            next: Some(request.with_page_size(size)),
            position,
            size,
            start,
            last_page: None,
        }
    }

    /// The next page, or `None` after the last one. A failed call ends the pages (the
    /// executor has retried it already as the operation allows).
    pub async fn next_page(&mut self) -> Option<Result<Output<R::Page>, Error>> {
        let request = self.next.take()?;
        let page = match request.clone().at(self.position).send_page().await {
            Ok(page) => page,
            Err(e) => return Some(Err(e)),
        };
        let count = self.template.item_count(&page) as u64;
        let fingerprint = fingerprint(&*page);
        if count > 0 && self.last_page == Some(fingerprint) {
            tracing::warn!(
                position = self.position,
                "the page repeats the previous one; the server ignores the position: stopping"
            );
            return None;
        }
        self.last_page = Some(fingerprint);
        let end = self.start + count;
        let more =
            count > 0 && count >= self.size && self.template.total(&page).is_none_or(|t| end < t);
        if more {
            self.position += match self.paging.style {
                PagingStyle::Offset => count,
                PagingStyle::Page { .. } => 1,
            };
            self.start = end;
            self.next = Some(request);
        }
        Some(Ok(page))
    }

    /// The pages as a stream.
    pub fn into_stream(self) -> impl Stream<Item = Result<Output<R::Page>, Error>> + Send {
        futures::stream::unfold(self, |mut pages| async move {
            let page = pages.next_page().await?;
            Some((page, pages))
        })
    }

    /// Every item of every page, in order.
    pub fn items(self) -> impl Stream<Item = Result<R::Item, Error>> + Send {
        let template = self.template.clone();
        self.into_stream()
            .map_ok(move |page| {
                futures::stream::iter(template.page_items(page.into_inner())).map(Ok)
            })
            .try_flatten()
    }
}

/// A hash of a page's JSON: two answers that hash alike are the same page.
fn fingerprint(page: &impl Serialize) -> u64 {
    let mut hasher = DefaultHasher::new();
    serde_json::to_vec(page)
        .unwrap_or_default()
        .hash(&mut hasher);
    hasher.finish()
}
