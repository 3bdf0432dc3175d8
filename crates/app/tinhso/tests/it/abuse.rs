//! Abuse limits under concurrent bursts, as an attacker would try them: attempts counted
//! before the password is checked, shared by every server through the database, keyed on the
//! client's address (forwarding headers read only behind a trusted proxy), slowing the guesser
//! without locking the owner out; every 429 with `Retry-After`; connections that trickle or
//! idle closed at a deadline (slowloris). What anyone may do without an account (lookups,
//! field reports): `abuse_public.rs`.

use crate::dossier::PASSWORD;
use reqwest::StatusCode;
use serde_json::json;
use tinhso_testkit::server::{fresh_data_dir, fresh_pg_database};
use tinhso_testkit::{Backend, TestServer};

pub(crate) const CITIZEN: &str = "0912345678";

pub(crate) type Answer = (StatusCode, Option<String>);

/// Runs the requests at once (each on its own task, as separate clients would) and waits for all.
pub(crate) async fn at_once(
    requests: Vec<std::pin::Pin<Box<dyn std::future::Future<Output = Answer> + Send>>>,
) -> Vec<Answer> {
    let tasks: Vec<_> = requests.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

/// `n` logins at once from `address` with `password`, to the servers in turn.
async fn guesses(urls: &[&str], n: usize, address: impl Fn(usize) -> String, password: &str) -> Vec<Answer> {
    at_once(
        (0..n)
            .map(|i| {
                let (url, address, password) = (urls[i % urls.len()].to_owned(), address(i), password.to_owned());
                Box::pin(async move { login(&url, &address, &password).await }) as _
            })
            .collect(),
    )
    .await
}

/// One API login from `address` (sent as X-Forwarded-For); the status and Retry-After.
async fn login(url: &str, address: &str, password: &str) -> Answer {
    let r = reqwest::Client::new()
        .post(format!("{url}/api/v1/session"))
        .header("x-forwarded-for", address)
        .json(&json!({ "login": CITIZEN, "password": password }))
        .send()
        .await
        .unwrap();
    let retry = r.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
    (r.status(), retry)
}

/// Of a burst of answers: how many had the password checked (not 429); every 429 says when
/// to come back.
pub(crate) fn checked(answers: &[Answer]) -> usize {
    for (st, retry) in answers {
        if *st == StatusCode::TOO_MANY_REQUESTS {
            assert!(
                retry.as_deref().is_some_and(|s| s.parse::<u64>().is_ok_and(|n| n >= 1)),
                "429 without Retry-After"
            );
        }
    }
    answers.iter().filter(|(st, _)| *st != StatusCode::TOO_MANY_REQUESTS).count()
}

/// How many of a limit's growing waits (1 s, 2 s, 4 s…) a burst that took `took` outlasted:
/// each one that ended during the burst rightly lets one more attempt be checked.
pub(crate) fn outlasted_waits(took: std::time::Duration) -> usize {
    let (mut waited, mut next, mut n) = (0u64, 1u64, 0);
    while waited + next <= took.as_secs() {
        waited += next;
        next *= 2;
        n += 1;
    }
    n
}

pub(crate) async fn behind_proxy(backend: Backend, database: Option<String>) -> TestServer {
    let args = ["--trusted-proxy", "127.0.0.1/32"];
    TestServer::start_on(backend, crate::bin(), fresh_data_dir().unwrap(), database, &args).await.unwrap()
}

#[tokio::test]
async fn a_burst_of_guesses_is_checked_a_few_times_and_the_owner_still_logs_in() {
    let s = behind_proxy(Backend::Sqlite, None).await;
    let attacker = "203.0.113.9";
    let burst = guesses(&[&s.url], 200, |_| attacker.to_owned(), "doan-mo-mat-khau").await;
    let n = checked(&burst);
    assert!(n <= 5, "{n} of 200 concurrent guesses were checked");
    // The right password at the end of a burst does not get in from the guessing address
    // while its wait runs. The waits grow (1, 2, 4 s...): on a slow machine the bursts alone
    // can outlast the first ones, so guess on, letting a guess count whenever the wait ran
    // out (which doubles it), until the wait left is surely longer than the next request.
    let mut burst = guesses(&[&s.url], 39, |_| attacker.to_owned(), "sai-roi").await;
    let mut long_wait = false;
    for _ in 0..8 {
        let (st, retry) = login(&s.url, attacker, "sai-nua").await;
        let secs: u64 = retry.as_deref().and_then(|r| r.parse().ok()).unwrap_or(0);
        if st == StatusCode::TOO_MANY_REQUESTS && secs >= 2 {
            long_wait = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_secs(secs)).await;
    }
    assert!(long_wait, "eight more wrong guesses never met a wait of two seconds or more");
    burst.push(login(&s.url, attacker, PASSWORD).await);
    assert_eq!(burst.last().unwrap().0, StatusCode::TOO_MANY_REQUESTS);
    checked(&burst);
    // ...but the owner, from their own address, is not locked out.
    assert_eq!(login(&s.url, "198.51.100.7", PASSWORD).await.0, StatusCode::OK);
    s.stop().await.unwrap();
}

#[tokio::test]
async fn a_spray_over_many_logins_at_once_is_limited_by_the_address() {
    let s = behind_proxy(Backend::Sqlite, None).await;
    // A hundred logins, one guess each, all at once from one address: each login's own limit
    // lets its guess through; the address's failures stop the spray as if it came one by one
    // (30 free, the one that starts the wait).
    let burst = at_once(
        (0..100)
            .map(|i| {
                let url = s.url.clone();
                Box::pin(async move {
                    let r = reqwest::Client::new()
                        .post(format!("{url}/api/v1/session"))
                        .header("x-forwarded-for", "203.0.113.31")
                        .json(&json!({ "login": format!("09{:08}", 20_000_000 + i), "password": "doan-mo-mat-khau" }))
                        .send()
                        .await
                        .unwrap();
                    let retry = r.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
                    (r.status(), retry)
                }) as _
            })
            .collect(),
    )
    .await;
    let n = checked(&burst);
    assert!((1..=31).contains(&n), "{n} of 100 concurrent guesses over 100 logins were checked: {burst:?}");
    assert!(burst.iter().all(|(st, _)| [StatusCode::UNAUTHORIZED, StatusCode::TOO_MANY_REQUESTS].contains(st)));
    s.stop().await.unwrap();
}

/// One subscriber holds a whole IPv6 /64: guesses from 200 of its addresses are one guesser.
#[tokio::test]
async fn guesses_from_one_ipv6_subscriber_count_as_one_address() {
    let s = behind_proxy(Backend::Sqlite, None).await;
    let burst = guesses(&[&s.url], 200, |i| format!("2001:db8:5:6:{:x}::{:x}", i / 7, i + 1), "doan-mo").await;
    let n = checked(&burst);
    assert!(n <= 5, "{n} of 200 guesses from one /64 were checked");
    // Another subscriber is another client.
    assert_eq!(login(&s.url, "2001:db8:5:7::1", PASSWORD).await.0, StatusCode::OK);
    s.stop().await.unwrap();
}

#[tokio::test]
async fn forwarding_headers_are_ignored_unless_the_proxy_is_trusted() {
    let s = crate::server(Backend::Sqlite).await;
    // Each guess claims another address: without --trusted-proxy they all count as one.
    let burst = guesses(&[&s.url], 60, |i| format!("198.18.0.{i}"), "sai").await;
    let n = checked(&burst);
    assert!(n <= 5, "{n} of 60 guesses with forged addresses were checked");
    s.stop().await.unwrap();
}

#[tokio::test]
async fn two_servers_share_the_limits() {
    let database = fresh_pg_database().await.unwrap();
    let a = behind_proxy(Backend::Postgres, Some(database.clone())).await;
    let b = behind_proxy(Backend::Postgres, Some(database)).await;
    let burst = guesses(&[&a.url, &b.url], 100, |_| "203.0.113.50".to_owned(), "sai").await;
    let n = checked(&burst);
    assert!(n <= 5, "{n} of 100 guesses spread over two servers were checked");
    assert_eq!(login(&b.url, "198.51.100.8", PASSWORD).await.0, StatusCode::OK);
    a.stop().await.unwrap();
    b.stop().await.unwrap();
}

/// A citizen's uploads are held to a day's quota and a total, checked in the same transaction
/// as each upload: a burst of concurrent uploads cannot slip past together, and the refusal
/// says what was used and what to do.
async fn upload_quota(backend: Backend) {
    let database = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(fresh_pg_database().await.unwrap()),
    };
    let args = ["--upload-quota-day-mb", "1", "--upload-quota-total-mb", "2"];
    let s = TestServer::start_on(backend, crate::bin(), fresh_data_dir().unwrap(), database, &args).await.unwrap();
    let citizen = crate::dossier::Caller::login(&s, CITIZEN, PASSWORD).await;
    // Ten distinct 300 KB PDFs at once: at most three fit in a megabyte.
    let pdf = |i: u8| {
        let mut b = b"%PDF-1.4\n".to_vec();
        b.resize(300 * 1024 - 7, i);
        b.extend(b"\n%%EOF\n");
        b
    };
    let mut tasks = Vec::new();
    for i in 0..10u8 {
        let (c, url, csrf, bytes) = (citizen.c.clone(), s.url.clone(), citizen.csrf().to_owned(), pdf(i));
        tasks.push(tokio::spawn(async move {
            let r = c
                .post(format!("{url}/api/v1/files"))
                .header("x-csrf-token", csrf)
                .header("x-file-name", format!("giay-to-{i}.pdf"))
                .body(bytes)
                .send()
                .await
                .unwrap();
            (r.status(), r.json::<serde_json::Value>().await.unwrap_or_default())
        }));
    }
    let mut accepted = 0;
    for t in tasks {
        let (st, v) = t.await.unwrap();
        match st {
            StatusCode::CREATED => accepted += 1,
            _ => {
                assert_eq!((st, v["code"].as_str()), (StatusCode::BAD_REQUEST, Some("quota_exceeded")), "{v}");
                assert!(v["message"].as_str().unwrap().contains("hạn mức mỗi ngày là 1 MB"), "{v}");
            }
        }
    }
    assert_eq!(accepted, 3, "exactly what fits in the day's megabyte");
    let (_, docs) = citizen.get("/api/v1/documents").await;
    assert_eq!(docs["items"].as_array().unwrap().len(), 3, "and nothing refused was kept");

    // The province admin sets the limits on a page (kept in the database, so every server
    // applies them): 2 MB a day, no total. Nobody else may.
    let page = |c: reqwest::Client| {
        let url = format!("{}/quan-tri/tai-len", s.url);
        async move {
            let r = c.get(&url).send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    let (st, _) = page(citizen.c.clone()).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "a citizen cannot see the limits page");
    let admin = crate::dossier::Caller::login(&s, "quantri@tinhso.local", PASSWORD).await;
    let (st, html) = page(admin.c.clone()).await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("hạn mức mặc định của máy chủ") && html.contains("value=\"1\""), "{html}");
    let hidden = |html: &str, name: &str| {
        let at = format!("name=\"{name}\" value=\"");
        html.split(at.as_str()).nth(1).and_then(|t| t.split('"').next()).unwrap().to_owned()
    };
    let csrf = hidden(&html, "csrf");
    let opened = hidden(&html, "revision");
    let save = |day: &str, total: &str, revision: &str| {
        let (c, url) = (admin.c.clone(), format!("{}/quan-tri/tai-len", s.url));
        let form = [
            ("csrf", csrf.clone()),
            ("per_day_mb", day.to_owned()),
            ("total_mb", total.to_owned()),
            ("revision", revision.to_owned()),
        ];
        async move {
            let r = c.post(url).form(&form).send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    let (st, html) = save("-1", "nhiều", &opened).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    // Both at once, each in the summary at the top and beside its field.
    assert_eq!(html.matches("Nhập số nguyên từ 0 đến 100000").count(), 4, "{html}");
    // Two admins opened the page; one saves 2 MB a day. The other's save, begun from the
    // server's defaults, is refused: their typing kept, the saved limits shown; saving again
    // from there replaces them knowingly (and is undone here the same way).
    let (st, html) = save("2", "0", &opened).await;
    assert_eq!(st, StatusCode::OK, "{html}");
    assert!(html.contains("Đã lưu"), "{html}");
    let ours = hidden(&html, "revision");
    let (st, html) = save("7", "70", &opened).await;
    assert_eq!(st, StatusCode::CONFLICT, "{html}");
    assert!(html.contains("Trong lúc bạn sửa, hạn mức đã được lưu với giá trị khác"), "{html}");
    assert!(html.contains("Đang lưu: <strong>mỗi ngày: 2 MB; tổng: không giới hạn</strong>"), "{html}");
    assert!(html.contains("value=\"7\"") && html.contains("value=\"70\""), "the typing kept: {html}");
    assert!(html.contains("Đang áp dụng hạn mức do tỉnh đặt"), "{html}");
    let (st, html) = save("7", "70", &hidden(&html, "revision")).await;
    assert_eq!(st, StatusCode::OK, "{html}");
    let (st, _) = save("2", "0", &ours).await;
    assert_eq!(st, StatusCode::CONFLICT, "the first page is stale now too");
    let (st, html) = save("2", "0", &hidden(&html, "revision")).await;
    assert_eq!(st, StatusCode::OK, "{html}");
    let mut accepted = 0;
    for i in 10..14u8 {
        let (st, v) = citizen.upload(&format!("them-{i}.pdf"), &pdf(i)).await;
        match st {
            StatusCode::CREATED => accepted += 1,
            _ => assert!(v["message"].as_str().unwrap().contains("hạn mức mỗi ngày là 2 MB"), "{v}"),
        }
    }
    assert_eq!(accepted, 3, "six 300 KB files fit in the new 2 MB day, the seventh does not");
    s.stop().await.unwrap();
}

#[tokio::test]
async fn upload_quota_on_sqlite() {
    upload_quota(Backend::Sqlite).await;
}

#[tokio::test]
async fn upload_quota_on_postgres() {
    upload_quota(Backend::Postgres).await;
}

/// An office behind one address logs in all at once at opening time: every right password
/// goes through (the address counts failures, not attempts).
#[tokio::test]
async fn an_office_behind_one_address_logs_in_at_once() {
    let s = crate::server(Backend::Sqlite).await;
    let mut logins: Vec<String> =
        ["tiepnhan", "chuyenvien", "pheduyet", "quantri.coquan", "quantri", "lanhdao", "kiemtra"]
            .iter()
            .map(|l| format!("{l}@tinhso.local"))
            .collect();
    for commune in [2269, 2266, 2302] {
        logins.extend(["motcua", "cv", "ld"].iter().map(|r| format!("{r}.{commune}@tinhso.local")));
    }
    let url = s.url.clone();
    let answers = at_once(
        logins
            .iter()
            .map(|l| {
                let (url, l) = (url.clone(), l.clone());
                Box::pin(async move {
                    let r = reqwest::Client::new()
                        .post(format!("{url}/api/v1/session"))
                        .json(&json!({ "login": l, "password": PASSWORD }))
                        .send()
                        .await
                        .unwrap();
                    (r.status(), None)
                }) as _
            })
            .collect(),
    )
    .await;
    assert_eq!(answers.len(), 16);
    assert!(answers.iter().all(|(st, _)| *st == StatusCode::OK), "{answers:?}");
    s.stop().await.unwrap();
}

/// Whether the server closes `conn` (end of stream, or a reset) within `within`; what it sent
/// first, if anything, must be an HTTP answer (hyper may say 408 before closing).
async fn closed_by_server(conn: &mut tokio::net::TcpStream, within: std::time::Duration) -> bool {
    use tokio::io::AsyncReadExt;
    let mut got = Vec::new();
    let read = tokio::time::timeout(within, async {
        let mut buf = [0u8; 1024];
        loop {
            match conn.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(got.is_empty() || got.starts_with(b"HTTP/1.1 "), "{}", String::from_utf8_lossy(&got));
    read.is_ok()
}

/// Slowloris: connections that send half a request head, dribble it a byte at a time, or sit
/// idle after a request, are closed once the head deadline passes, and while hundreds of them
/// are open everyone else is served at once. A body dribbled after the head is cut off the same
/// way (408, `body_too_slow`); one sent slowly but steadily, as on a poor line, is served.
#[tokio::test]
async fn slow_or_idle_connections_are_cut_off_and_crowd_out_no_one() {
    use std::time::{Duration, Instant};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;
    let data = fresh_data_dir().unwrap();
    // The head deadline: long enough that the test has opened everything before the first
    // connection is cut, even beside the rest of the suite on two cores.
    const DEADLINE: u64 = 5;
    let args = ["--header-timeout-secs", &DEADLINE.to_string()];
    let s =
        TestServer::start_with_env(Backend::Sqlite, crate::bin(), data, None, "127.0.0.1:0", &args, &[]).await.unwrap();
    let addr = s.url.trim_start_matches("http://").to_owned();
    let opened = Instant::now();
    let mut half = Vec::new();
    for _ in 0..400 {
        let mut c = TcpStream::connect(&addr).await.unwrap();
        c.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ").await.unwrap();
        half.push(c);
    }
    // Idle after one answered request (keep-alive).
    let mut idle = TcpStream::connect(&addr).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut answer = [0u8; 512];
    let n = idle.read(&mut answer).await.unwrap();
    assert!(answer[..n].starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&answer[..n]));
    // A byte every 200 ms: progress does not move the deadline.
    let mut dribble = TcpStream::connect(&addr).await.unwrap();
    dribble.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let dribbling = tokio::spawn(async move {
        for _ in 0..40 {
            if dribble.write_all(b"a").await.is_err() {
                return (dribble, true);
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        (dribble, false)
    });
    // Meanwhile a citizen is served as usual.
    let r = reqwest::get(format!("{}/healthz", s.url)).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        opened.elapsed() < Duration::from_secs(DEADLINE),
        "the test opened its connections too slowly to mean anything"
    );
    for (i, c) in half.iter_mut().enumerate() {
        assert!(closed_by_server(c, Duration::from_secs(DEADLINE + 4)).await, "half-sent request {i} still open");
    }
    assert!(
        closed_by_server(&mut idle, Duration::from_secs(DEADLINE + 4)).await,
        "idle keep-alive connection still open"
    );
    let (mut dribble, refused) = dribbling.await.unwrap();
    assert!(refused || closed_by_server(&mut dribble, Duration::from_secs(1)).await, "dribbling client still open");
    assert!(opened.elapsed() < Duration::from_secs(2 * DEADLINE + 2), "closed {:?} after opening", opened.elapsed());
    // And the server still answers.
    let r = reqwest::get(format!("{}/healthz", s.url)).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // A status lookup whose body comes a byte every 200 ms after its head.
    let head = |len: usize| {
        format!("POST /api/v1/lookup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {len}\r\n\r\n")
    };
    let (mut rd, mut wr) = TcpStream::connect(&addr).await.unwrap().into_split();
    wr.write_all(head(200).as_bytes()).await.unwrap();
    let started = Instant::now();
    let dribbling = tokio::spawn(async move {
        for _ in 0..60 {
            if wr.write_all(b" ").await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(DEADLINE + 6), rd.read_to_end(&mut answer)).await.unwrap().ok();
    let answer = String::from_utf8_lossy(&answer).into_owned();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"body_too_slow\"") && answer.contains("quá chậm"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(DEADLINE + 3), "cut off after {:?}", started.elapsed());
    dribbling.abort();
    // The same lookup with a 3 KB body at 2 KB/s: slow, steady, answered in full.
    let body = format!("{{\"code\":\"000.00.00.H00-251204-0001\",\"phone\":\"0912345678\"{}}}", " ".repeat(3000));
    let mut c = TcpStream::connect(&addr).await.unwrap();
    c.write_all(head(body.len()).as_bytes()).await.unwrap();
    for part in body.as_bytes().chunks(100) {
        c.write_all(part).await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut answer = [0u8; 512];
    let n = tokio::time::timeout(Duration::from_secs(5), c.read(&mut answer)).await.unwrap().unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 404") && answer.contains("not_found"), "{answer}");
    s.stop().await.unwrap();
}

/// One address may hold only so many connections at once: past the cap, its next connection's
/// request is answered 429 with `Retry-After` (`{code, message}` for programs, a Vietnamese
/// page for people) and closed, while the connections it holds are served as before; a
/// connection that ends gives its place back; a trusted proxy, which carries everyone, is not
/// capped.
#[tokio::test]
async fn one_address_holds_only_so_many_connections() {
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;
    /// Sends `head` on a new or held connection and reads one answer (small: one read).
    async fn ask(c: &mut TcpStream, head: &str) -> String {
        c.write_all(head.as_bytes()).await.unwrap();
        let mut buf = vec![0u8; 16 * 1024];
        let n = tokio::time::timeout(Duration::from_secs(5), c.read(&mut buf)).await.unwrap().unwrap();
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }
    const HEALTH: &str = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    /// A server on loopback with `args`, and its address.
    async fn local(args: &[&str]) -> (TestServer, String) {
        let data = fresh_data_dir().unwrap();
        let s = TestServer::start_with_env(Backend::Sqlite, crate::bin(), data, None, "127.0.0.1:0", args, &[])
            .await
            .unwrap();
        let addr = s.url.trim_start_matches("http://").to_owned();
        (s, addr)
    }
    /// `n` connections, each served one request and held open.
    async fn hold(addr: &str, n: usize) -> Vec<TcpStream> {
        let mut held = Vec::new();
        for i in 0..n {
            let mut c = TcpStream::connect(addr).await.unwrap();
            let answer = ask(&mut c, HEALTH).await;
            assert!(answer.starts_with("HTTP/1.1 200"), "connection {i}: {answer}");
            held.push(c);
        }
        held
    }
    let (s, addr) = local(&["--max-connections-per-address", "20"]).await;
    let mut held = hold(&addr, 20).await;
    // The 21st: a program gets {code, message} and Retry-After, and the connection closes.
    let mut c = TcpStream::connect(&addr).await.unwrap();
    c.write_all(b"GET /api/v1/units HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), c.read_to_end(&mut answer)).await.unwrap().unwrap();
    let answer = String::from_utf8_lossy(&answer).to_lowercase();
    assert!(answer.starts_with("http/1.1 429"), "{answer}");
    assert!(answer.contains("\r\nretry-after: 10\r\n") && answer.contains("\r\nconnection: close\r\n"), "{answer}");
    assert!(answer.contains("\"code\":\"too_many_connections\""), "{answer}");
    assert!(answer.contains("cache-control: no-store"), "the edge's headers too: {answer}");
    // A person gets a page in Vietnamese.
    let mut c = TcpStream::connect(&addr).await.unwrap();
    let answer = ask(&mut c, "GET /dang-nhap HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert!(answer.starts_with("HTTP/1.1 429") && answer.contains("text/html"), "{answer}");
    assert!(answer.contains("quá nhiều kết nối"), "{answer}");
    // The connections held are served as before.
    for c in held.iter_mut().step_by(5) {
        assert!(ask(c, HEALTH).await.starts_with("HTTP/1.1 200"));
    }
    // One ends: its place is free for the next connection.
    drop(held.pop());
    let mut freed = false;
    for _ in 0..50 {
        let mut c = TcpStream::connect(&addr).await.unwrap();
        if ask(&mut c, HEALTH).await.starts_with("HTTP/1.1 200") {
            freed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(freed, "a closed connection's place was never given back");
    drop(held);
    // The operator sees them: counted among the 429s and on their own. (Until the server has
    // seen the held connections close, a new one may still be over the cap: asked again.)
    let mut metrics = String::new();
    for _ in 0..50 {
        let r = reqwest::get(format!("{}/metrics", s.url)).await.unwrap();
        if r.status() == StatusCode::OK {
            metrics = r.text().await.unwrap();
            break;
        }
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let counter = |name: &str| {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(name).and_then(|v| v.trim().parse::<f64>().ok()))
            .unwrap_or_else(|| panic!("{name} missing:\n{metrics}"))
    };
    assert!(counter("tinhso_connections_over_cap_total ") >= 2.0, "{metrics}");
    assert!(counter("tinhso_throttled_total ") >= 2.0, "{metrics}");
    s.stop().await.unwrap();

    // Behind a trusted proxy every citizen arrives from the proxy's address: not capped.
    let (s, addr) = local(&["--max-connections-per-address", "5", "--trusted-proxy", "127.0.0.1/32"]).await;
    drop(hold(&addr, 15).await);
    s.stop().await.unwrap();
}

/// An account the desk opened is taken over with the code on the applicant's slip; a burst of
/// guesses at it from many addresses is checked only a few times (the login's own count), each
/// refusal says when to come back, and the account stays unclaimed.
#[tokio::test]
async fn guesses_at_a_desk_accounts_claim_code_are_limited_across_addresses() {
    let s = behind_proxy(Backend::Sqlite, None).await;
    let desk = crate::dossier::Caller::login(&s, "tiepnhan@tinhso.local", PASSWORD).await;
    let intake = json!({
        "procedure": crate::dossier::PROVINCIAL,
        "form": crate::dossier::generic_form(2269),
        "desk": { "full_name": "Hoàng Thị Mai", "personal_id": "008095001111", "phone": "0977000111",
                  "paper_components": [0, 1, 2, 3, 4] },
    });
    let (st, d) = desk.post("/api/v1/dossiers", intake).await;
    assert_eq!(st, StatusCode::CREATED, "{d}");
    let guess = |i: usize| {
        let code = format!("ABCD-{:04}", 2000 + i);
        let fields = [
            ("full_name", "Hoàng Thị Mai"),
            ("login", "0977000111"),
            ("personal_id", "008095001111"),
            ("password", "chè Shan tuyết đầu mùa"),
            ("ma_kich_hoat", code.as_str()),
        ];
        form_from(&s.url, "/dang-ky", &format!("198.51.100.{}", i + 1), &fields)
    };
    let started = std::time::Instant::now();
    let burst = at_once((0..30).map(guess).collect()).await;
    let n = checked(&burst);
    // The login's free failures, the one that sets its first wait, and one more for each wait
    // the burst outlasted (each guess hashes a password first: on a loaded machine the burst
    // can outlast the first second).
    let bound = tinhso_kernel::guard::Rule::LOGIN.free as usize + 1 + outlasted_waits(started.elapsed());
    assert!(n <= bound, "{n} of 30 guesses from 30 addresses were checked (at most {bound})");
    assert!(
        burst.iter().all(|(st, _)| [StatusCode::BAD_REQUEST, StatusCode::TOO_MANY_REQUESTS].contains(st)),
        "{burst:?}"
    );
    // Still the applicant's to claim: nobody logs in with it.
    assert_eq!(login_as(&s.url, "0977000111", "chè Shan tuyết đầu mùa").await, StatusCode::UNAUTHORIZED);
    s.stop().await.unwrap();
}

pub(crate) async fn login_as(url: &str, login: &str, password: &str) -> StatusCode {
    let r = reqwest::Client::new()
        .post(format!("{url}/api/v1/session"))
        .json(&json!({ "login": login, "password": password }))
        .send()
        .await
        .unwrap();
    r.status()
}

/// A form posted as a person would (its page read first for the token) from `address` (sent as
/// X-Forwarded-For); the answer's status and Retry-After.
pub(crate) fn form_from(
    url: &str,
    path: &str,
    address: &str,
    fields: &[(&str, &str)],
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Answer> + Send>> {
    let (url, path, address) = (url.to_owned(), path.to_owned(), address.to_owned());
    let fields: Vec<(String, String)> = fields.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    Box::pin(async move {
        let c = reqwest::Client::builder().cookie_store(true).build().unwrap();
        let page = c.get(format!("{url}{path}")).header("x-forwarded-for", &address).send().await.unwrap();
        let mut form = vec![("csrf".to_owned(), crate::journey::csrf(&page.text().await.unwrap()))];
        form.extend(fields);
        let r = c.post(format!("{url}{path}")).header("x-forwarded-for", &address).form(&form).send().await.unwrap();
        let retry = r.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
        (r.status(), retry)
    })
}

/// Reset codes guessed for one login from many addresses: checked a few times only, and the
/// owner's password still works (a guess changes nothing).
#[tokio::test]
async fn guesses_at_a_reset_code_are_limited_across_addresses() {
    let s = behind_proxy(Backend::Sqlite, None).await;
    let guess = |i: usize| {
        let code = format!("ABCD-EFGH-JKLM-{:04}", 2000 + i);
        let fields = [
            ("login", CITIZEN),
            ("personal_id", "008090001234"),
            ("ma", code.as_str()),
            ("password", "một mật khẩu mới dài"),
        ];
        form_from(&s.url, "/dat-lai-mat-khau", &format!("192.0.2.{}", i + 1), &fields)
    };
    let started = std::time::Instant::now();
    let burst = at_once((0..30).map(guess).collect()).await;
    let n = checked(&burst);
    let bound = tinhso_kernel::guard::Rule::LOGIN.free as usize + 1 + outlasted_waits(started.elapsed());
    assert!(n <= bound, "{n} of 30 reset codes from 30 addresses were checked (at most {bound})");
    assert_eq!(login_as(&s.url, CITIZEN, PASSWORD).await, StatusCode::OK, "the owner still logs in");
    s.stop().await.unwrap();
}
