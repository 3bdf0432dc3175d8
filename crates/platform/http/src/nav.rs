//! Where a page sends a person next: a local path carried through a login (`?tiep=`), never
//! another site, and a response with one more cookie. Used by the account pages, the e-ID
//! sign-in, the application form and the layout's login link.

use axum::http::{header, HeaderValue};
use axum::response::Response;

/// `resp` with one more `Set-Cookie`.
pub fn with_cookie(mut resp: Response, cookie: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// `next` when it is a path of this site (an open redirect elsewhere would help phishing),
/// else nothing.
pub fn safe_next(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.contains("://")
        && next.len() <= 300
        && !next.chars().any(char::is_control);
    ok.then_some(next)
}

/// `path` with `?tiep=<next>` when there is somewhere to return to.
pub fn with_next(path: &str, next: &str) -> String {
    match safe_next(next) {
        Some(n) => format!("{path}?tiep={}", form_urlencoded::byte_serialize(n.as_bytes()).collect::<String>()),
        None => path.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::{safe_next, with_next};

    /// Only a path of this site is followed after a login: never another host, however written.
    #[test]
    fn only_a_local_path_is_a_way_back() {
        for ok in ["/ho-so", "/thu-tuc/1.001193/nop", "/phan-anh?xa=8440&trang=2", "/"] {
            assert_eq!(safe_next(ok), Some(ok));
        }
        let long = format!("/{}", "a".repeat(300));
        for bad in [
            "",
            "ho-so",
            "//evil.example/x",
            "/\\evil.example",
            "https://evil.example",
            "/chuyen?den=https://evil.example",
            "/ho-so\r\nSet-Cookie: x=1",
            "/ho-so\t",
            long.as_str(),
        ] {
            assert_eq!(safe_next(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_way_back_is_carried_encoded_or_left_out() {
        assert_eq!(with_next("/dang-nhap", "/thu-tuc/2.000635/nop"), "/dang-nhap?tiep=%2Fthu-tuc%2F2.000635%2Fnop");
        assert_eq!(with_next("/dang-ky", "/phan-anh?xa=8440&x=1"), "/dang-ky?tiep=%2Fphan-anh%3Fxa%3D8440%26x%3D1");
        assert_eq!(with_next("/dang-nhap", "//evil.example"), "/dang-nhap");
        assert_eq!(with_next("/dang-nhap", ""), "/dang-nhap");
    }
}
