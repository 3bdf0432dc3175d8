//! Answers in gzip for clients that ask for it: a page of the procedure list is 18 KB of HTML
//! and 4 KB gzipped, which on a mountain commune's 2G or 3G line is the difference between a
//! wait and none. Done here, not left to a reverse proxy, because the platform is meant to
//! run on one small server, and a proxy's default often compresses nothing.
//!
//! What is compressed: text (HTML, CSS, JSON, XML, CSV, RDF, the metrics). A body already whole
//! in memory (an exact size, 1 KiB to 16 MiB) is compressed at once; a streamed one (an open
//! data table's dump, any size) as it streams, at the fastest level, so memory stays flat.
//! Nothing is compressed for partial or empty answers, or answers that carry their own encoding
//! or an `ETag`. `HEAD` says the encoding its `GET` would have, without a length.
//!
//! BREACH (a network attacker guessing a secret in a compressed page from its length, over
//! many requests that reflect the guesses): the CSRF token in pages is masked afresh in every
//! page (`auth::mask_csrf`), and an answer to a request from another site that carries the
//! session cookie (a navigation another site started, the only one `SameSite=Lax` lets
//! through) is not compressed.

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;
use http_body::Body as _;
use std::io::Write;

/// Smaller bodies gain less than the header costs.
const SMALLEST: u64 = 1024;
/// Larger bodies are left as they are rather than held twice in memory.
const LARGEST: u64 = 16 << 20;
/// Above this, the compression runs on a blocking thread, not on a request thread.
const INLINE: usize = 256 << 10;

/// What the request allows, read before the request goes to the router.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wants {
    gzip: bool,
    /// A `HEAD`: the router has already dropped the body and said its plain length.
    head: bool,
}

impl Wants {
    /// From the request's method and headers; `session_cookie` is the session cookie's name.
    pub fn of(method: &Method, headers: &HeaderMap, session_cookie: &str) -> Self {
        let cross_site_with_session = headers.get("sec-fetch-site").is_some_and(|v| v.as_bytes() == b"cross-site")
            && crate::auth::cookie(headers, session_cookie).is_some();
        let gzip = !cross_site_with_session
            && headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).any(accepts_gzip);
        Wants { gzip, head: method == Method::HEAD }
    }
}

/// Whether an `Accept-Encoding` value accepts gzip: `gzip` (or the old `x-gzip`) with a weight
/// above zero, or `*` with a weight above zero when gzip is not named (RFC 9110, 12.5.3).
pub fn accepts_gzip(value: &str) -> bool {
    let mut named = None;
    let mut any = None;
    for item in value.split(',') {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let weight = parts
            .filter_map(|p| p.trim().strip_prefix("q=").or_else(|| p.trim().strip_prefix("Q=")))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        match coding.as_str() {
            "gzip" | "x-gzip" => named = Some(weight > 0.0),
            "*" => any = Some(weight > 0.0),
            _ => {}
        }
    }
    named.or(any).unwrap_or(false)
}

/// Whether a media type is text that compresses (images, PDFs, archives and XLSX already are).
pub fn compressible(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence.starts_with("text/")
        || essence.ends_with("+json")
        || essence.ends_with("+xml")
        || matches!(
            essence.as_str(),
            "application/json"
                | "application/xml"
                | "application/javascript"
                | "application/n-triples"
                | "application/n-quads"
                | "application/trig"
                | "image/svg+xml"
        )
}

/// `resp`, gzipped when the request wants it and the answer is worth it.
pub async fn answer(wants: Wants, resp: Response) -> Response {
    let Some(ct) = resp.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return resp;
    };
    if !compressible(ct) {
        return resp;
    }
    let mut resp = resp;
    // A cache between must keep the two forms apart.
    resp.headers_mut().append(header::VARY, HeaderValue::from_static("accept-encoding"));
    let size = if wants.head {
        // The length GET would send plain, as the router said it.
        resp.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse().ok())
    } else {
        resp.body().size_hint().exact()
    };
    let h = resp.headers();
    if !wants.gzip
        || size.is_some_and(|n| !(SMALLEST..=LARGEST).contains(&n))
        || matches!(resp.status(), StatusCode::NO_CONTENT | StatusCode::PARTIAL_CONTENT | StatusCode::NOT_MODIFIED)
        || resp.status().is_informational()
        || h.contains_key(header::CONTENT_ENCODING)
        || h.contains_key(header::CONTENT_RANGE)
        || h.contains_key(header::ETAG)
    {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    if wants.head {
        // GET would answer gzipped; its length is known only by compressing, which a HEAD
        // may leave out (RFC 9110, 9.3.2).
        parts.headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, body);
    }
    if size.is_none() {
        parts.headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, streamed(body));
    }
    // The body is whole in memory already (its size is exact): this takes it, it reads nothing.
    let plain = match axum::body::to_bytes(body, usize::try_from(LARGEST).unwrap_or(usize::MAX)).await {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!(error = %e, "an answer's body could not be read for compression");
            parts.status = StatusCode::INTERNAL_SERVER_ERROR;
            return Response::from_parts(parts, Body::empty());
        }
    };
    let packed = if plain.len() > INLINE {
        let p = plain.clone();
        tokio::task::spawn_blocking(move || gzip(&p)).await.ok().flatten()
    } else {
        gzip(&plain)
    };
    match packed {
        Some(z) if z.len() < plain.len() => {
            parts.headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            // Said outright: a HEAD answer's body is dropped before its length could be read.
            parts.headers.insert(header::CONTENT_LENGTH, HeaderValue::from(z.len()));
            Response::from_parts(parts, Body::from(z))
        }
        _ => Response::from_parts(parts, Body::from(plain)),
    }
}

/// `body` gzipped as it comes: each piece goes out as soon as the encoder has a block of it.
fn streamed(body: Body) -> Body {
    use futures_util::StreamExt;
    let encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let pieces = futures_util::stream::unfold(Some((body.into_data_stream(), encoder)), |state| async move {
        let (mut data, mut z) = state?;
        loop {
            match data.next().await {
                Some(Ok(piece)) => {
                    if let Err(e) = z.write_all(&piece) {
                        return Some((Err(e), None));
                    }
                    let out = std::mem::take(z.get_mut());
                    if !out.is_empty() {
                        return Some((Ok(bytes::Bytes::from(out)), Some((data, z))));
                    }
                }
                // A failure upstream ends the answer short, as it would unencoded.
                Some(Err(e)) => return Some((Err(std::io::Error::other(e)), None)),
                None => return Some((z.finish().map(bytes::Bytes::from), None)),
            }
        }
    });
    Body::from_stream(pieces)
}

/// gzip at a middle level: most of the gain for a fraction of the best level's time.
fn gzip(plain: &[u8]) -> Option<Vec<u8>> {
    let mut z = flate2::write::GzEncoder::new(Vec::with_capacity(plain.len() / 3), flate2::Compression::new(5));
    z.write_all(plain).ok()?;
    z.finish().ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn accept_encoding_is_read_with_its_weights() {
        assert!(accepts_gzip("gzip, deflate, br, zstd"));
        assert!(accepts_gzip("br;q=1.0, GZIP;q=0.5"));
        assert!(accepts_gzip("x-gzip"));
        assert!(accepts_gzip("*"));
        assert!(!accepts_gzip("gzip;q=0"));
        assert!(!accepts_gzip("gzip; q=0.000, *"), "named wins over the wildcard");
        assert!(!accepts_gzip("*;q=0"));
        assert!(!accepts_gzip("identity"));
        assert!(!accepts_gzip("br, deflate"));
        assert!(!accepts_gzip(""));
    }

    #[test]
    fn text_compresses_and_binary_does_not() {
        for t in ["text/html; charset=utf-8", "application/json", "application/ld+json", "text/csv", "image/svg+xml"] {
            assert!(compressible(t), "{t}");
        }
        for t in ["image/png", "application/pdf", "application/zip", "application/octet-stream", ""] {
            assert!(!compressible(t), "{t}");
        }
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn a_cross_site_request_with_a_session_is_not_compressed() {
        let gz = ("accept-encoding", "gzip");
        assert!(Wants::of(&Method::GET, &headers(&[gz]), "s").gzip);
        assert!(!Wants::of(&Method::GET, &headers(&[]), "s").gzip);
        assert!(Wants::of(&Method::GET, &headers(&[gz, ("sec-fetch-site", "cross-site")]), "s").gzip);
        assert!(
            Wants::of(&Method::GET, &headers(&[gz, ("sec-fetch-site", "same-origin"), ("cookie", "s=1")]), "s").gzip
        );
        assert!(
            !Wants::of(&Method::GET, &headers(&[gz, ("sec-fetch-site", "cross-site"), ("cookie", "a=b; s=1")]), "s")
                .gzip
        );
    }

    async fn run(wants: bool, resp: Response) -> (axum::http::response::Parts, Vec<u8>) {
        let (parts, body) = answer(Wants { gzip: wants, head: false }, resp).await.into_parts();
        (parts, axum::body::to_bytes(body, usize::MAX).await.unwrap().to_vec())
    }

    fn page(body: String) -> Response {
        Response::builder().header(header::CONTENT_TYPE, "text/html; charset=utf-8").body(Body::from(body)).unwrap()
    }

    #[tokio::test]
    async fn a_page_round_trips_through_gzip() {
        let text: String = (0..2000).map(|i| format!("<li>Thủ tục số {i}</li>")).collect();
        let (parts, body) = run(true, page(text.clone())).await;
        assert_eq!(parts.headers[header::CONTENT_ENCODING], "gzip");
        assert_eq!(parts.headers[header::VARY], "accept-encoding");
        assert!(body.len() * 4 < text.len(), "{} of {}", body.len(), text.len());
        let mut back = String::new();
        flate2::read::GzDecoder::new(body.as_slice()).read_to_string(&mut back).unwrap();
        assert_eq!(back, text);

        // A body over the inline bound goes through a blocking thread, the same way.
        let big: String = (0..40_000).map(|i| format!("<li>{i}</li>")).collect();
        assert!(big.len() > INLINE);
        let (_, body) = run(true, page(big.clone())).await;
        let mut back = String::new();
        flate2::read::GzDecoder::new(body.as_slice()).read_to_string(&mut back).unwrap();
        assert_eq!(back, big);
    }

    #[tokio::test]
    async fn what_is_left_as_it_is() {
        let text = "x".repeat(4096);
        let (parts, body) = run(false, page(text.clone())).await;
        assert!(!parts.headers.contains_key(header::CONTENT_ENCODING));
        assert_eq!(parts.headers[header::VARY], "accept-encoding", "caches still keep the forms apart");
        assert_eq!(body, text.as_bytes());

        let (parts, body) = run(true, page("nhỏ".into())).await;
        assert!(!parts.headers.contains_key(header::CONTENT_ENCODING), "too small to gain");
        assert_eq!(body, "nhỏ".as_bytes());

        let png = Response::builder().header(header::CONTENT_TYPE, "image/png").body(Body::from(text.clone())).unwrap();
        let (parts, _) = run(true, png).await;
        assert!(!parts.headers.contains_key(header::CONTENT_ENCODING));
        assert!(!parts.headers.contains_key(header::VARY));

        let tagged = Response::builder()
            .header(header::CONTENT_TYPE, "text/css")
            .header(header::ETAG, "\"1\"")
            .body(Body::from(text.clone()))
            .unwrap();
        let (parts, _) = run(true, tagged).await;
        assert!(!parts.headers.contains_key(header::CONTENT_ENCODING), "an ETag names the plain bytes");
    }

    #[tokio::test]
    async fn a_streamed_body_is_compressed_as_it_streams() {
        // A dump of 200 pieces of 2,000 rows each: the whole is never held.
        let piece = |i: usize| -> String { (0..2000).map(|r| format!("{i},{r},Xã Thượng Lâm\n")).collect() };
        let whole: String = (0..200).map(piece).collect();
        let pieces =
            futures_util::stream::iter((0..200).map(move |i| Ok::<_, std::io::Error>(bytes::Bytes::from(piece(i)))));
        let csv =
            |b: Body| Response::builder().header(header::CONTENT_TYPE, "text/csv; charset=utf-8").body(b).unwrap();
        let (parts, body) = run(true, csv(Body::from_stream(pieces))).await;
        assert_eq!(parts.headers[header::CONTENT_ENCODING], "gzip");
        assert!(!parts.headers.contains_key(header::CONTENT_LENGTH));
        assert!(body.len() * 5 < whole.len(), "{} of {}", body.len(), whole.len());
        let mut back = String::new();
        flate2::read::GzDecoder::new(body.as_slice()).read_to_string(&mut back).unwrap();
        assert_eq!(back, whole);

        // Not asked for: as it is. A failure upstream ends the answer short, not with a
        // complete-looking gzip stream.
        let one = futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from(whole.clone()))]);
        let (parts, body) = run(false, csv(Body::from_stream(one))).await;
        assert!(!parts.headers.contains_key(header::CONTENT_ENCODING));
        assert_eq!(body, whole.as_bytes());
        let failing = futures_util::stream::iter([
            Ok(bytes::Bytes::from(whole.clone())),
            Err(std::io::Error::other("the database went away")),
        ]);
        let (_, body) = answer(Wants { gzip: true, head: false }, csv(Body::from_stream(failing))).await.into_parts();
        assert!(axum::body::to_bytes(body, usize::MAX).await.is_err());
    }
}
