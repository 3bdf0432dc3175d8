//! Report photos' thumbnails (`tinhso_reports::thumbnail`), made the first time a page asks
//! for one and kept in this server's memory: a photo is stored once and never changes (its
//! address is its hash), so a thumbnail is as good as the day it was made and can be made
//! again after a restart.
//!
//! Making one decodes the whole photo (a tenth of a second for 12 megapixels), so one is
//! made at a time on a blocking thread, the other request thread stays free for everyone
//! else, and a photo that cannot be shrunk is remembered and shown as it is.

use std::collections::{HashMap, VecDeque};
use std::sync::{LazyLock, Mutex};
use tinhso_reports::photo::PhotoKind;
use tinhso_reports::thumbnail::{thumbnail, ThumbnailError};

/// Thumbnails kept at most, in bytes (about a thousand photos' worth).
const KEPT_BYTES: usize = 32 << 20;
/// The longest one thumbnail may take (a 48-megapixel photo took 0.37 s here, 12 megapixels 0.1 s).
const TAKES_AT_MOST: std::time::Duration = std::time::Duration::from_secs(10);

/// A photo's thumbnail, or why there is none.
#[derive(Clone)]
pub enum Small {
    Jpeg(bytes::Bytes),
    /// Too large to decode, or unreadable: the original is shown.
    Original,
}

impl Small {
    /// What keeping it costs, with its key.
    fn cost(&self, key: &str) -> usize {
        key.len()
            + match self {
                Small::Jpeg(b) => b.len(),
                Small::Original => 0,
            }
    }
}

#[derive(Default)]
struct Kept {
    by_photo: HashMap<String, Small>,
    /// Oldest first: the first to go when the bytes are over `KEPT_BYTES`.
    order: VecDeque<String>,
    bytes: usize,
}

static KEPT: LazyLock<Mutex<Kept>> = LazyLock::new(Mutex::default);
/// One thumbnail made at a time.
static MAKING: LazyLock<tokio::sync::Semaphore> = LazyLock::new(|| tokio::sync::Semaphore::new(1));

fn kept(sha256: &str) -> Option<Small> {
    KEPT.lock().ok()?.by_photo.get(sha256).cloned()
}

fn keep(sha256: &str, small: &Small) {
    let Ok(mut k) = KEPT.lock() else { return };
    if k.by_photo.contains_key(sha256) {
        return;
    }
    k.bytes += small.cost(sha256);
    k.by_photo.insert(sha256.to_owned(), small.clone());
    k.order.push_back(sha256.to_owned());
    while k.bytes > KEPT_BYTES {
        let Some(old) = k.order.pop_front() else { break };
        if let Some(gone) = k.by_photo.remove(&old) {
            k.bytes -= gone.cost(&old);
        }
    }
}

/// The thumbnail of the photo stored as `sha256`, whose bytes `original` reads.
pub async fn small<F, Fut, E>(sha256: &str, original: F) -> Result<Small, E>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<Vec<u8>, E>>,
{
    if let Some(s) = kept(sha256) {
        return Ok(s);
    }
    // The permit is held while the photo is read and shrunk; a request that waited for it
    // finds the thumbnail another one just made.
    let _permit = MAKING.acquire().await;
    if let Some(s) = kept(sha256) {
        return Ok(s);
    }
    let bytes = original().await?;
    let kind = if bytes.starts_with(&[0xff, 0xd8]) { PhotoKind::Jpeg } else { PhotoKind::Png };
    // A photo that takes too long (a decoder caught in a crafted file) lets the next one
    // through: its thread is left to finish, and the photo is shown as it is.
    let made = tokio::time::timeout(TAKES_AT_MOST, tokio::task::spawn_blocking(move || thumbnail(&bytes, kind))).await;
    let small = match made {
        Ok(Ok(Ok(jpeg))) => Small::Jpeg(jpeg.into()),
        Ok(Ok(Err(ThumbnailError::TooLarge))) => Small::Original,
        Ok(Ok(Err(ThumbnailError::Unreadable(why)))) => {
            tracing::warn!(photo = sha256, why, "a stored photo could not be shrunk; shown as it is");
            Small::Original
        }
        Ok(Err(e)) => {
            tracing::warn!(photo = sha256, error = %e, "shrinking a photo failed; shown as it is");
            Small::Original
        }
        Err(_) => {
            tracing::warn!(photo = sha256, "shrinking a photo took too long; shown as it is");
            Small::Original
        }
    };
    keep(sha256, &small);
    Ok(small)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_thumbnail_is_made_once_and_what_cannot_be_shrunk_is_remembered() {
        let reads = std::sync::atomic::AtomicUsize::new(0);
        let read = |bytes: Vec<u8>| {
            reads.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            async move { Ok::<_, ()>(bytes) }
        };
        // Not a picture: shown as it is, and not tried again.
        let key = "test-unreadable";
        assert!(matches!(small(key, || read(b"junk".to_vec())).await, Ok(Small::Original)));
        assert!(matches!(small(key, || read(b"junk".to_vec())).await, Ok(Small::Original)));
        assert_eq!(reads.load(std::sync::atomic::Ordering::Relaxed), 1);
        // A read that fails is the caller's error, and nothing is remembered.
        let key = "test-missing";
        assert!(small(key, || async { Err::<Vec<u8>, _>("gone") }).await.is_err());
        assert!(kept(key).is_none());
    }

    #[test]
    fn the_oldest_go_first_when_the_memory_is_full() {
        let chunk = bytes::Bytes::from(vec![0u8; KEPT_BYTES / 4]);
        for i in 0..4 {
            keep(&format!("test-evict-{i}"), &Small::Jpeg(chunk.clone()));
        }
        assert!(kept("test-evict-0").is_none(), "the oldest went");
        assert!((1..4).all(|i| kept(&format!("test-evict-{i}")).is_some()));
        assert!(KEPT.lock().unwrap().bytes <= KEPT_BYTES);
    }
}
