//! The small holes an attacker or an auditor tries first: request targets no route can read,
//! caches keeping personal pages, redirects off the site, file names that lie about
//! themselves, empty files.

use crate::dossier::{Caller, PASSWORD};
use crate::journey::{csrf, multipart, page_login};
use reqwest::StatusCode;
use tinhso_testkit::Backend;

#[tokio::test]
async fn unreadable_targets_get_the_platforms_own_errors() {
    let s = crate::server(Backend::Sqlite).await;
    let citizen = Caller::login(&s, "0912345678", PASSWORD).await;
    // A path whose escapes are not UTF-8: the API's {code, message}, a Vietnamese page.
    let r = citizen.c.get(format!("{}/api/v1/dossiers/%FF%FE", s.url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["code"], "invalid_path", "{v}");
    assert!(v["message"].as_str().is_some_and(|m| m.contains("không hợp lệ")));
    let r = citizen.c.get(format!("{}/ho-so/%FF", s.url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(r.text().await.unwrap().contains("Địa chỉ yêu cầu không hợp lệ"));
    let r = citizen.c.get(format!("{}/api/v1/dossiers/a%00b", s.url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "a hidden control character");
    // An address far longer than any the site makes.
    let long = "x".repeat(3000);
    let r = citizen.c.get(format!("{}/api/v1/dossiers/{long}", s.url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["code"], "uri_too_long");
    // Past what hyper itself reads (a 64 KiB target, a hundred header fields, a head that is
    // not HTTP), the answer is still the platform's {code, message}, not an empty body.
    let raw = |head: String| {
        let addr = s.url.trim_start_matches("http://").to_owned();
        async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let mut c = tokio::net::TcpStream::connect(addr).await.unwrap();
            c.write_all(head.as_bytes()).await.unwrap();
            let mut answer = Vec::new();
            tokio::time::timeout(std::time::Duration::from_secs(5), c.read_to_end(&mut answer)).await.unwrap().ok();
            let answer = String::from_utf8_lossy(&answer).into_owned();
            let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
            assert!(head.contains("content-type: application/json"), "{head}");
            let v: serde_json::Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {head}"));
            (head.split(' ').nth(1).unwrap_or_default().to_owned(), v)
        }
    };
    let long = "x".repeat(100_000);
    let (status, v) = raw(format!("GET /api/v1/dossiers/{long} HTTP/1.1\r\nHost: x\r\n\r\n")).await;
    assert_eq!((status.as_str(), v["code"].as_str()), ("400", Some("uri_too_long")), "{v}");
    let many: String = (0..150).map(|i| format!("X-H{i}: a\r\n")).collect();
    let (status, v) = raw(format!("GET /api/v1/units HTTP/1.1\r\nHost: x\r\n{many}\r\n")).await;
    assert_eq!((status.as_str(), v["code"].as_str()), ("431", Some("headers_too_large")), "{v}");
    assert!(v["message"].as_str().is_some_and(|m| m.contains("quá lớn")), "{v}");
    let (status, v) = raw("GET /api/v1/units HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n".to_owned()).await;
    assert_eq!((status.as_str(), v["code"].as_str()), ("400", Some("malformed_request")), "{v}");
    // The server goes on serving.
    let r = citizen.c.get(format!("{}/api/v1/units", s.url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    s.stop().await.unwrap();
}

#[tokio::test]
async fn a_method_an_address_does_not_take_gets_the_platforms_own_error() {
    let s = crate::server(Backend::Sqlite).await;
    let c = reqwest::Client::new();
    // A module's API route, the platform's own, and a page: each says which methods it takes.
    for (method, path, allow) in
        [(reqwest::Method::DELETE, "/api/v1/lookup", "POST"), (reqwest::Method::PUT, "/api/v1/units", "GET,HEAD")]
    {
        let r = c.request(method.clone(), format!("{}{path}", s.url)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert_eq!(r.headers()["allow"], allow, "{method} {path}");
        assert_eq!(r.headers()["cache-control"], "no-store");
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["code"], "method_not_allowed", "{v}");
        assert!(v["message"].as_str().is_some_and(|m| m.contains("phương thức")), "{v}");
    }
    let r = c.put(format!("{}/dang-nhap", s.url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(r.text().await.unwrap().contains("không nhận yêu cầu theo phương thức đó"));
    // A form's target opened as a page (a reload after an error, a restored tab) leads to the
    // page the form is on, never to an error; its address, however odd, stays encoded.
    let plain = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for (path, to) in [
        ("/mot-cua/1.001322", "/mot-cua?thu-tuc=1.001322"),
        ("/mot-cua/x%20y", "/mot-cua"),
        ("/ho-so/000.00.20.H56-251203-0001/hanh-dong", "/ho-so/000.00.20.H56-251203-0001"),
        ("/phan-anh/7/hanh-dong", "/phan-anh/7"),
        ("/tai-khoan/mat-khau", "/tai-khoan"),
        ("/dang-xuat", "/"),
        ("/quan-tri/tai-khoan/5/mo-khoa", "/quan-tri/tai-khoan"),
        ("/phan-anh/xa/8/theo-doi", "/phan-anh"),
        ("/ho-so/%C3%A1%20x/hanh-dong", "/ho-so/%C3%A1%20x"),
    ] {
        for method in [reqwest::Method::GET, reqwest::Method::HEAD] {
            let r = plain.request(method.clone(), format!("{}{path}", s.url)).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::SEE_OTHER, "{method} {path}");
            assert_eq!(r.headers()["location"], to, "{method} {path}");
        }
    }
    // Control characters in an address are refused at the edge before any of this.
    let r = plain.get(format!("{}/ho-so/%0D%0ASet-Cookie:x/hanh-dong", s.url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.headers().get("set-cookie").is_none());
    // The method the route takes still reaches it.
    let ok = c.post(format!("{}/api/v1/lookup", s.url)).json(&serde_json::json!({"code": "x", "phone": "0912345678"}));
    assert_eq!(ok.send().await.unwrap().status(), StatusCode::NOT_FOUND, "the route itself still answers");
    s.stop().await.unwrap();
}

#[tokio::test]
async fn personal_answers_are_not_cached_and_redirects_stay_on_the_site() {
    let s = crate::server(Backend::Sqlite).await;
    let citizen = Caller::login(&s, "0912345678", PASSWORD).await;
    for path in ["/ho-so", "/tai-khoan", "/api/v1/dossiers", "/api/v1/notifications", "/dang-nhap"] {
        let r = citizen.c.get(format!("{}{path}", s.url)).send().await.unwrap();
        assert_eq!(r.headers()["cache-control"], "no-store", "{path}");
    }
    let css = citizen.c.get(format!("{}/static/site.css", s.url)).send().await.unwrap();
    assert_eq!(css.headers()["cache-control"], "public, max-age=86400", "the stylesheet may be cached");
    let css = css.text().await.unwrap();
    // Pages name it with its content's hash, which may be kept for good.
    let home = citizen.c.get(format!("{}/", s.url)).send().await.unwrap().text().await.unwrap();
    let href = home.split("rel=\"stylesheet\" href=\"").nth(1).and_then(|h| h.split('"').next()).unwrap();
    assert!(href.starts_with("/static/site.css?v=") && href.len() > 25, "{href}");
    let kept = citizen.c.get(format!("{}{href}", s.url)).send().await.unwrap();
    assert_eq!(kept.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert_eq!(kept.text().await.unwrap(), css);
    let other = citizen.c.get(format!("{}/static/site.css?v=0", s.url)).send().await.unwrap();
    assert_eq!(other.headers()["cache-control"], "public, max-age=86400", "an old hash is not kept for good");
    let no_follow = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for referer in ["https://evil.example/x", "http://h//evil.example/x", "http://h/\\evil.example/x"] {
        let r = no_follow
            .get(format!("{}/ngon-ngu/en", s.url))
            .header("referer", referer.replace("http://h", &s.url))
            .send()
            .await
            .unwrap();
        let to = r.headers()["location"].to_str().unwrap();
        assert!(to == "/" || to == "/x", "{referer} -> {to}");
    }
    s.stop().await.unwrap();
}

#[tokio::test]
async fn over_https_cookies_are_secure_and_browsers_are_told_to_stay() {
    // Plain HTTP (a laptop, the demo): no HSTS, which would strand a browser on a site with no TLS.
    let plain = crate::server(Backend::Sqlite).await;
    let r = plain.client().get(format!("{}/dang-nhap", plain.url)).send().await.unwrap();
    assert!(r.headers().get("strict-transport-security").is_none());
    plain.stop().await.unwrap();

    // Behind the province's TLS proxy (`--secure-cookies`): every cookie Secure with the
    // `__Host-` prefix, and every answer, errors included, asks browsers to stay on HTTPS.
    let data = tinhso_testkit::server::fresh_data_dir().unwrap();
    let s = tinhso_testkit::TestServer::start_on(Backend::Sqlite, crate::bin(), data, None, &["--secure-cookies"])
        .await
        .unwrap();
    for path in ["/dang-nhap", "/", "/khong-co-trang-nay", "/api/v1/procedures"] {
        let r = s.client().get(format!("{}{path}", s.url)).send().await.unwrap();
        assert_eq!(r.headers()["strict-transport-security"], "max-age=31536000", "{path}");
    }
    let r = s.client().get(format!("{}/dang-nhap", s.url)).send().await.unwrap();
    let cookies: Vec<&str> = r.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap()).collect();
    assert!(!cookies.is_empty(), "the login form sets its CSRF cookie");
    for c in cookies {
        assert!(c.starts_with("__Host-") && c.contains("; Secure") && c.contains("Path=/"), "{c}");
    }
    s.stop().await.unwrap();
}

#[tokio::test]
async fn file_names_cannot_hide_their_type_and_empty_files_are_said() {
    let s = crate::server(Backend::Sqlite).await;
    let c = page_login(&s, "0912345678").await;
    let store = c.get(format!("{}/kho-du-lieu", s.url)).send().await.unwrap().text().await.unwrap();
    let token = csrf(&store);
    let pdf: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n";
    // "hoa-don<RLO>fdp.exe" reads "hoa-donexe.pdf" on screen: the override is removed.
    let (ct, body) = multipart(&[("csrf", &token)], &[("file.0", "hoa-don\u{202E}fdp.exe", pdf)]);
    let url = format!("{}/kho-du-lieu?csrf={token}", s.url);
    let r = c.post(&url).header("content-type", ct).body(body).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let listed = r.text().await.unwrap();
    assert!(listed.contains("hoa-donfdp.exe") && !listed.contains('\u{202E}'), "stored without the override");
    // A chosen file of 0 bytes: said, not silently dropped.
    let (ct, body) = multipart(&[("csrf", &token)], &[("file.0", "trong.pdf", b"")]);
    let r = c.post(&url).header("content-type", ct).body(body).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("Tệp rỗng (0 byte): chọn lại đúng tệp giấy tờ"));
    // "Tải lên" before choosing a file: the browser sends an empty part without a name.
    let (ct, body) = multipart(&[("csrf", &token)], &[("file.new", "", b"")]);
    let r = c.post(&url).header("content-type", ct).body(body).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let page = r.text().await.unwrap();
    assert!(page.contains("Chọn một tệp để tải lên") && page.contains("href=\"#files.new\""), "{page:.4000}");
    s.stop().await.unwrap();
}

/// Demo accounts share a published password: they are made only for a loopback server or
/// when the operator passes `--demo`; a database holding them is not served to the network
/// without `--demo`; `/healthz` says whether they are there.
#[tokio::test]
async fn demo_accounts_stay_off_the_network_unless_asked_for() {
    use tinhso_testkit::server::{fresh_data_dir, run_cli};
    let serve = |data: &std::path::Path, extra: &[&str]| {
        let mut args = vec!["serve".to_owned(), "--listen".to_owned(), "0.0.0.0:0".to_owned()];
        args.extend(["--data".to_owned(), data.display().to_string()]);
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        async move { run_cli(crate::bin(), &args).await.unwrap() }
    };
    // An empty database on a network address: no demo province, a message instead.
    let empty = fresh_data_dir().unwrap();
    let (code, _, err) = serve(&empty, &[]).await;
    assert_ne!(code, 0);
    assert!(err.contains("không tạo tài khoản dùng thử"), "{err}");

    // A demo database, made on loopback: its health says so.
    let data = fresh_data_dir().unwrap();
    let s = tinhso_testkit::TestServer::start_on(Backend::Sqlite, crate::bin(), data.clone(), None, &[]).await.unwrap();
    let health: serde_json::Value =
        s.client().get(format!("{}/healthz", s.url)).send().await.unwrap().json().await.unwrap();
    assert_eq!(health["demo"], true, "{health}");
    assert!(s.banner.contains("CẢNH BÁO"), "{}", s.banner);
    s.stop().await.unwrap();
    // The same database is not served to the network...
    let (code, _, err) = serve(&data, &[]).await;
    assert_ne!(code, 0);
    assert!(err.contains("không phục vụ trên 0.0.0.0"), "{err}");
    // ...unless the operator says so.
    let s = tinhso_testkit::TestServer::start_listening(
        Backend::Sqlite,
        crate::bin(),
        data,
        None,
        "0.0.0.0:0",
        &["--demo"],
    )
    .await
    .unwrap();
    let health: serde_json::Value =
        s.client().get(format!("{}/healthz", s.url)).send().await.unwrap().json().await.unwrap();
    assert_eq!(health["demo"], true);
    s.stop().await.unwrap();

    // A province set up with `init` has no demo accounts and serves the network.
    let real = fresh_data_dir().unwrap();
    let (code, out, err) = run_cli(
        crate::bin(),
        &["init".into(), "--province".into(), "Tuyên Quang".into(), "--data".into(), real.display().to_string()],
    )
    .await
    .unwrap();
    assert_eq!(code, 0, "{out}{err}");
    let s = tinhso_testkit::TestServer::start_listening(Backend::Sqlite, crate::bin(), real, None, "0.0.0.0:0", &[])
        .await
        .unwrap();
    let health: serde_json::Value =
        s.client().get(format!("{}/healthz", s.url)).send().await.unwrap().json().await.unwrap();
    assert_eq!(health["demo"], false);
    assert!(!s.banner.contains("CẢNH BÁO"));
    // The first admin's password was printed, so it must be replaced at the first login.
    let password = out.split("mật khẩu: ").nth(1).and_then(|p| p.split_whitespace().next()).unwrap();
    let c = s.client();
    let page = c.get(format!("{}/dang-nhap", s.url)).send().await.unwrap().text().await.unwrap();
    let form = [
        ("csrf", crate::journey::csrf(&page)),
        ("login", "quantri@tinhso.local".into()),
        ("password", password.into()),
    ];
    let r = c.post(format!("{}/dang-nhap", s.url)).form(&form).send().await.unwrap();
    assert_eq!(r.url().path(), "/tai-khoan", "{out}");
    assert!(r.text().await.unwrap().contains("Mật khẩu hiện tại do quản trị viên cấp"));
    s.stop().await.unwrap();
}

/// A body that carries files is read only for a logged-in person whose form carries the
/// session's token in its address: an anonymous 39 MB post, or one from another site, is
/// refused before the server reads it.
#[tokio::test]
async fn large_bodies_are_refused_before_they_are_read() {
    let s = crate::server(Backend::Sqlite).await;
    let big = vec![b'x'; 39 * 1024 * 1024];
    let (ct, body) = multipart(&[("csrf", "x")], &[("file.0", "to.pdf", &big)]);
    let anon = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r =
        anon.post(format!("{}/kho-du-lieu", s.url)).header("content-type", ct.clone()).body(body.clone()).send().await;
    // Refused with a redirect to log in, or the connection closed while the client still sent.
    if let Ok(r) = r {
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "to the login page");
    }
    let api = anon
        .post(format!("{}/api/v1/dossiers", s.url))
        .header("content-type", ct.clone())
        .body(body.clone())
        .send()
        .await;
    if let Ok(r) = api {
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    // Logged in, but the token is missing from the address: refused as a forged form.
    let citizen = Caller::login(&s, "0912345678", PASSWORD).await;
    let r = citizen.c.post(format!("{}/kho-du-lieu", s.url)).header("content-type", ct).body(body).send().await;
    if let Ok(r) = r {
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
    s.stop().await.unwrap();
}

/// The plain bytes of a gzipped answer.
fn gunzip(body: &[u8]) -> String {
    use std::io::Read;
    let mut out = String::new();
    flate2::read::GzDecoder::new(body).read_to_string(&mut out).unwrap();
    out
}

/// Pages travel gzipped to a browser that asks (a mountain commune's line carries a quarter of
/// the bytes), their forms still work, and what an attacker could measure stays hidden: the
/// CSRF token differs in every page, and an answer to another site's navigation with the
/// session is not compressed (BREACH).
#[tokio::test]
async fn pages_travel_gzipped_and_keep_their_secrets() {
    let s = crate::server(Backend::Sqlite).await;
    let c = s.client();
    let gz = |r: reqwest::RequestBuilder| r.header("accept-encoding", "gzip, deflate, br");
    let plain = c.get(format!("{}/thu-tuc", s.url)).send().await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none(), "a client that does not ask gets plain bytes");
    let plain = plain.text().await.unwrap();
    let r = gz(c.get(format!("{}/thu-tuc", s.url))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-encoding"], "gzip");
    assert!(r.headers()["vary"].to_str().unwrap().contains("accept-encoding"));
    let packed = r.bytes().await.unwrap();
    let page = gunzip(&packed);
    assert!(page.contains("Thủ tục") && page.len() == plain.len(), "the same page, {} and {}", page.len(), plain.len());
    assert!(packed.len() * 3 < plain.len(), "{} bytes for {}", packed.len(), plain.len());
    // HEAD says the encoding GET would send (not its length, known only by compressing);
    // without gzip, the plain length. The stylesheet compresses like a page.
    let r = gz(c.head(format!("{}/thu-tuc", s.url))).send().await.unwrap();
    assert_eq!(r.headers()["content-encoding"], "gzip");
    assert!(r.headers().get("content-length").is_none());
    let r = c.head(format!("{}/thu-tuc", s.url)).send().await.unwrap();
    assert!(r.headers().get("content-encoding").is_none());
    let said: usize = r.headers()["content-length"].to_str().unwrap().parse().unwrap();
    assert!(said.abs_diff(plain.len()) < 64, "HEAD says {said}, GET sent {}", plain.len());
    let r = gz(c.get(format!("{}/static/site.css", s.url))).send().await.unwrap();
    assert_eq!(r.headers()["content-encoding"], "gzip");
    assert!(gunzip(&r.bytes().await.unwrap()).contains("body"));

    // Two gzipped login pages carry two different tokens; either logs in.
    let login = |c: reqwest::Client| {
        let url = s.url.clone();
        async move {
            let r = c.get(format!("{url}/dang-nhap")).header("accept-encoding", "gzip").send().await.unwrap();
            assert_eq!(r.headers()["content-encoding"], "gzip");
            crate::journey::csrf(&gunzip(&r.bytes().await.unwrap()))
        }
    };
    let (first, second) = (login(c.clone()).await, login(c.clone()).await);
    assert_ne!(first, second, "the token is masked afresh in every page");
    let r = c
        .post(format!("{}/dang-nhap", s.url))
        .form(&[("csrf", second.as_str()), ("login", "0912345678"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("Đăng xuất"), "logged in with a masked token");
    let r = c.post(format!("{}/dang-xuat", s.url)).form(&[("csrf", &first[..first.len() - 2])]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "a damaged token is refused");

    // The logged-in citizen's own list: compressed for the site's own pages, not when another
    // site started the navigation.
    for (site, compressed) in [("same-origin", true), ("none", true), ("cross-site", false)] {
        let r = gz(c.get(format!("{}/ho-so", s.url))).header("sec-fetch-site", site).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers().get("content-encoding").is_some(), compressed, "{site}");
    }
    // The API's JSON likewise, and it parses.
    let r = gz(c.get(format!("{}/api/v1/procedures?limit=50", s.url))).send().await.unwrap();
    assert_eq!(r.headers()["content-encoding"], "gzip");
    let v: serde_json::Value = serde_json::from_str(&gunzip(&r.bytes().await.unwrap())).unwrap();
    assert!(v["items"].as_array().is_some_and(|a| !a.is_empty()), "{v}");
    s.stop().await.unwrap();
}
