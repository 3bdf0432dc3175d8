//! The platform's own answer where hyper refuses a request before any of our code sees it.
//!
//! hyper answers a request head it cannot parse with an empty body: a target longer than its
//! fixed 64 KiB (414), a head over its buffer or with over a hundred fields (431), or a head
//! that is not HTTP (400). A program would then get no `{code, message}`. The connection's
//! socket is wrapped here, and such an answer, recognised as the first bytes of a write (an
//! error status, `content-length: 0`, no `content-type`: nothing the router sends looks like
//! it), is replaced by the platform's error answer. The edge answers shorter over-long targets
//! itself (`edge.rs`); this covers the rest, with the same code and status.
//!
//! Always `{code, message}` in JSON: no page of the site links to such a request, so whoever
//! sends one is a program (or a probe), and the head that would say otherwise was not read.

use crate::error::AppError;
use crate::i18n::Locale;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A connection's socket whose unparsable-request answers are the platform's own.
pub struct Transport<T> {
    inner: T,
    /// Our answer being written in place of hyper's, how much of it is written, and the length
    /// of hyper's write it stands for (reported to hyper once ours is out).
    replacing: Option<(Vec<u8>, usize, usize)>,
}

impl<T> Transport<T> {
    pub fn new(inner: T) -> Self {
        Self { inner, replacing: None }
    }
}

/// The platform's answer for hyper's empty refusal `head`, if it is one.
fn replacement(head: &[u8]) -> Option<Vec<u8>> {
    let status = head.strip_prefix(b"HTTP/1.1 ")?.get(..3)?;
    let end = head.windows(4).position(|w| w == b"\r\n\r\n")?;
    let fields = head.get(..end + 2)?.to_ascii_lowercase();
    let empty = fields.windows(21).any(|w| w == b"\r\ncontent-length: 0\r\n");
    let typed = fields.windows(14).any(|w| w == b"\r\ncontent-type");
    if !empty || typed || head.len() != end + 4 {
        return None;
    }
    let (status, error) = match status {
        b"414" => ("400 Bad Request", AppError::uri_too_long()),
        b"431" => (
            "431 Request Header Fields Too Large",
            AppError::bad_request(
                "headers_too_large",
                "Phần đầu của yêu cầu quá lớn",
                "The request's header fields are too large",
            ),
        ),
        b"400" => (
            "400 Bad Request",
            AppError::bad_request(
                "malformed_request",
                "Yêu cầu không đúng định dạng HTTP",
                "The request is not valid HTTP",
            ),
        ),
        _ => return None,
    };
    let body = tinhso_api::ErrorBody { code: error.code(), message: error.message(Locale::Vi), errors: None };
    let body = serde_json::to_vec(&body).ok()?;
    let mut out = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\
         cache-control: no-store\r\nx-content-type-options: nosniff\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(&body);
    Some(out)
}

impl<T: AsyncWrite + Unpin> Transport<T> {
    /// Writes our replacement; then tells hyper its own write of `claimed` bytes is done.
    fn drive(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        while let Some((bytes, written, claimed)) = &mut self.replacing {
            if *written == bytes.len() {
                let claimed = *claimed;
                self.replacing = None;
                return Poll::Ready(Ok(claimed));
            }
            let rest = bytes.get(*written..).unwrap_or_default();
            match ready!(Pin::new(&mut self.inner).poll_write(cx, rest)) {
                Ok(0) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Ok(n) => *written += n,
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
        Poll::Ready(Ok(0))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Transport<T> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Transport<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        // A write retried after `Pending` carries the same bytes: the replacement goes on.
        if self.replacing.is_none() && buf.starts_with(b"HTTP/1.1 4") {
            if let Some(own) = replacement(buf) {
                self.replacing = Some((own, 0, buf.len()));
            }
        }
        if self.replacing.is_some() {
            return self.drive(cx);
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        // hyper writes an empty-bodied answer's head as one slice.
        let first = bufs.iter().find(|b| !b.is_empty());
        if self.replacing.is_none() && first.is_some_and(|b| b.starts_with(b"HTTP/1.1 4")) {
            let total: usize = bufs.iter().map(|b| b.len()).sum();
            if let Some(own) = first.filter(|b| b.len() == total).and_then(|b| replacement(b)) {
                self.replacing = Some((own, 0, total));
            }
        }
        if self.replacing.is_some() {
            return self.drive(cx);
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::replacement;

    /// hyper's refusals (as it writes them) become `{code, message}`; answers of our own, which
    /// always say their type, never match.
    #[test]
    fn hypers_empty_refusals_are_replaced_and_nothing_else() {
        let hyper = |status: &str| {
            format!("HTTP/1.1 {status}\r\nconnection: close\r\ncontent-length: 0\r\ndate: Fri, 04 Dec 2026 09:20:50 GMT\r\n\r\n")
        };
        let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
        let long = text(replacement(hyper("414 URI Too Long").as_bytes()).unwrap());
        assert!(
            long.starts_with("HTTP/1.1 400 Bad Request\r\n") && long.contains("\"code\":\"uri_too_long\""),
            "{long}"
        );
        let (head, body) = long.split_once("\r\n\r\n").unwrap();
        assert!(head.contains(&format!("content-length: {}", body.len())), "{long}");
        assert!(body.contains("Địa chỉ yêu cầu quá dài"), "{body}");
        let big = text(replacement(hyper("431 Request Header Fields Too Large").as_bytes()).unwrap());
        assert!(big.starts_with("HTTP/1.1 431 ") && big.contains("\"code\":\"headers_too_large\""), "{big}");
        let bad = text(replacement(hyper("400 Bad Request").as_bytes()).unwrap());
        assert!(bad.contains("\"code\":\"malformed_request\""), "{bad}");
        // Our own answers: typed, or with a body, or another status.
        let ours = "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 0\r\n\r\n";
        assert!(replacement(ours.as_bytes()).is_none());
        let with_body = format!("{}{{}}", hyper("400 Bad Request"));
        assert!(replacement(with_body.as_bytes()).is_none());
        assert!(replacement(hyper("404 Not Found").as_bytes()).is_none());
        assert!(replacement(hyper("405 Method Not Allowed").as_bytes()).is_none());
    }
}
