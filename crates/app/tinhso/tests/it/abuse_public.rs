//! Abuse limits on what anyone may do without an account, as an attacker would try them:
//! public lookups limited by what they fail to find (per address, and per dossier code for a
//! phone guessed from many addresses), field reports without an account counted before they
//! are stored, and so are accounts registered from one address; bursts sent at once decided as
//! if sent one by one; every 429 with `Retry-After` and, on a page, said on the form with what
//! was typed still in it.

use crate::abuse::{at_once, behind_proxy, checked, form_from, outlasted_waits, Answer, CITIZEN};
use crate::dossier::PASSWORD;
use reqwest::StatusCode;
use serde_json::json;
use tinhso_testkit::server::fresh_pg_database;
use tinhso_testkit::Backend;

#[tokio::test]
async fn lookups_are_limited_by_what_they_fail_to_find_sqlite() {
    lookups_are_limited_by_what_they_fail_to_find(Backend::Sqlite).await;
}

#[tokio::test]
async fn lookups_are_limited_by_what_they_fail_to_find_postgres() {
    lookups_are_limited_by_what_they_fail_to_find(Backend::Postgres).await;
}

/// The tally and the dossier are read together (one transaction on SQLite, one round trip on
/// PostgreSQL): on both, a throttled address is refused even when its guess is right.
async fn lookups_are_limited_by_what_they_fail_to_find(backend: Backend) {
    let database = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(fresh_pg_database().await.unwrap()),
    };
    let s = behind_proxy(backend, database).await;
    let citizen = crate::dossier::Caller::login(&s, CITIZEN, PASSWORD).await;
    let (_, units) = citizen.get("/api/v1/units").await;
    let commune = units["items"][0]["code"].as_u64().unwrap();
    let form = crate::dossier::generic_form(commune);
    let (st, d) =
        citizen.post("/api/v1/dossiers", json!({ "procedure": crate::dossier::PROVINCIAL, "form": form })).await;
    assert_eq!(st, StatusCode::CREATED, "{d}");
    let code = d["code"].as_str().unwrap().to_owned();
    let url = s.url.clone();
    let ask = move |address: String, code: String, phone: &'static str| {
        let url = url.clone();
        async move {
            let r = reqwest::Client::new()
                .post(format!("{url}/api/v1/lookup"))
                .header("x-forwarded-for", address)
                .json(&json!({ "code": code, "phone": phone }))
                .send()
                .await
                .unwrap();
            let retry = r.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
            (r.status(), retry)
        }
    };
    let lookup = |address: &'static str, code: String| ask(address.to_owned(), code, CITIZEN);
    // A citizen following their dossier many times is never slowed.
    for _ in 0..40 {
        assert_eq!(lookup("198.51.100.20", code.clone()).await.0, StatusCode::OK);
    }
    // Someone probing codes is, after a few misses; their right guesses do not help them.
    let probe = |i: u32| code.replace(&code[code.len() - 4..], &format!("{:04}", 9000 + i));
    let mut answers = Vec::new();
    for i in 0..15 {
        answers.push(lookup("203.0.113.77", probe(i)).await);
    }
    let found_nothing = answers.iter().filter(|(st, _)| *st == StatusCode::NOT_FOUND).count();
    assert_eq!(found_nothing, 11, "10 free misses and the one that starts the wait: {answers:?}");
    assert_eq!(checked(&answers), 11);
    assert_eq!(lookup("203.0.113.77", code.clone()).await.0, StatusCode::TOO_MANY_REQUESTS);

    // The page says the same in words, on the form, with what was typed still in it.
    let visitor = s.client();
    let token = crate::reports::csrf(&crate::reports::page(&visitor, &format!("{}/tra-cuu", s.url)).await.1);
    let page = visitor
        .post(format!("{}/tra-cuu", s.url))
        .header("x-forwarded-for", "203.0.113.77")
        .form(&[("ma", code.as_str()), ("sdt", CITIZEN), ("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(page.headers().contains_key("retry-after"));
    let html = page.text().await.unwrap();
    assert!(html.contains("Bạn đã thử quá nhiều lần") && html.contains(&format!("value=\"{code}\"")), "{html}");

    // A burst from a fresh address, the right code and phone somewhere in it, all at once: the
    // misses are limited as if they came one after another, and the right guess is answered only
    // if it comes before the limit (so at most 11 misses and the one hit are told apart).
    let burst: Vec<_> = (0..60u32)
        .map(|i| {
            let (code, phone) = if i == 30 { (code.clone(), CITIZEN) } else { (probe(100 + i), "0987654321") };
            Box::pin(ask("203.0.113.88".into(), code, phone)) as _
        })
        .collect();
    let answers = at_once(burst).await;
    let told = checked(&answers);
    assert!(told <= 12, "{told} of 60 concurrent lookups were answered: {answers:?}");

    // Guesses at one dossier's phone spread over many addresses: after 5 wrong phones the
    // dossier's lookups wait a moment, even the right phone from an address never seen; the
    // wait is short (at most a minute), so its owner is slowed, never locked out.
    for i in 0..6 {
        let (st, _) = ask(format!("192.0.2.{}", 10 + i), code.clone(), "0987654321").await;
        assert_eq!(st, StatusCode::NOT_FOUND, "wrong phone {i}");
    }
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/lookup", s.url))
        .header("x-forwarded-for", "198.51.100.99")
        .json(&json!({ "code": code, "phone": CITIZEN }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "the dossier's guesses wait");
    let retry = r.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["code"], "lookup_paused", "{body}");
    assert!(
        body["message"].as_str().unwrap().starts_with("Hồ sơ này vừa bị tra cứu"),
        "not blamed on the owner: {body}"
    );
    let wait: u64 = retry.unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    tokio::time::sleep(std::time::Duration::from_millis(wait * 1000 + 200)).await;
    assert_eq!(lookup("198.51.100.99", code.clone()).await.0, StatusCode::OK, "then its owner finds it");
    s.stop().await.unwrap();
}

#[tokio::test]
async fn anonymous_reports_sent_at_once_are_counted_one_by_one_sqlite() {
    anonymous_reports_sent_at_once_are_counted_one_by_one(Backend::Sqlite).await;
}

#[tokio::test]
async fn anonymous_reports_sent_at_once_are_counted_one_by_one_postgres() {
    anonymous_reports_sent_at_once_are_counted_one_by_one(Backend::Postgres).await;
}

/// Field reports without an account count against the sending address before they are stored:
/// a burst sent at once stores no more than the same reports sent one by one would, and a
/// report refused as incomplete does not count.
async fn anonymous_reports_sent_at_once_are_counted_one_by_one(backend: Backend) {
    let database = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(fresh_pg_database().await.unwrap()),
    };
    let s = behind_proxy(backend, database).await;
    let anon = s.client();
    let (_, units) = crate::reports::json(&anon, &format!("{}/api/v1/units?limit=1", s.url)).await;
    let commune = units["items"][0]["code"].as_i64().unwrap().to_string();
    let token = crate::reports::csrf(&crate::reports::page(&anon, &format!("{}/phan-anh/gui", s.url)).await.1);
    let post = |address: &'static str, i: u32, description: &'static str| {
        let (c, url, token, commune) = (anon.clone(), s.url.clone(), token.clone(), commune.clone());
        Box::pin(async move {
            // Far apart (a kilometre each), so none is offered as a duplicate of another.
            let lat = format!("{:.6}", 21.5 + f64::from(i) * 0.01);
            let form = [
                ("csrf", token.as_str()),
                ("category", "duong-sa"),
                ("description", description),
                ("commune", commune.as_str()),
                ("lat", lat.as_str()),
                ("lon", "105.214000"),
            ];
            let r = c
                .post(format!("{url}/phan-anh/gui"))
                .header("x-forwarded-for", address)
                .form(&form)
                .send()
                .await
                .unwrap();
            let retry = r.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
            let stored = r.url().path().strip_prefix("/phan-anh/").is_some_and(|p| p.parse::<i64>().is_ok());
            ((if stored { StatusCode::CREATED } else { r.status() }), retry)
        }) as std::pin::Pin<Box<dyn std::future::Future<Output = Answer> + Send>>
    };
    let answers = at_once((0..30).map(|i| post("203.0.113.60", i, "Đèn đường hỏng cả đoạn")).collect()).await;
    let stored = answers.iter().filter(|(st, _)| *st == StatusCode::CREATED).count();
    assert_eq!(checked(&answers), stored, "every answer is a stored report or a 429: {answers:?}");
    assert_eq!(stored, 11, "10 free and the one that starts the wait: {answers:?}");
    // The wait is said on the form, the report as written still in it.
    let r = anon
        .post(format!("{}/phan-anh/gui", s.url))
        .header("x-forwarded-for", "203.0.113.60")
        .form(&[
            ("csrf", token.as_str()),
            ("category", "duong-sa"),
            ("description", "Cống thoát nước bị tắc"),
            ("commune", commune.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let html = r.text().await.unwrap();
    assert!(html.contains("Vui lòng thử lại sau") && html.contains("Cống thoát nước bị tắc"), "{html}");
    let (_, list) = crate::reports::json(&anon, &format!("{}/open311/v2/requests.json", s.url)).await;
    assert_eq!(list.as_array().map(Vec::len), Some(11), "and nothing refused was kept");

    // Incomplete reports (no description) are refused with the form again and do not count.
    for i in 0..12 {
        assert_eq!(post("203.0.113.61", 100 + i, "").await.0, StatusCode::BAD_REQUEST);
    }
    assert_eq!(post("203.0.113.61", 200, "Cây đổ chắn đường").await.0, StatusCode::CREATED);
    s.stop().await.unwrap();
}

#[tokio::test]
async fn registrations_from_one_address_are_paced_sqlite() {
    registrations_from_one_address_are_paced(Backend::Sqlite).await;
}

#[tokio::test]
async fn registrations_from_one_address_are_paced_postgres() {
    registrations_from_one_address_are_paced(Backend::Postgres).await;
}

/// A script making accounts from one address gets the 30 a commune hall's campaign needs, then
/// waits (counted before the account is made, so a burst counts one by one); the wait is said
/// on the form with what was typed still in it; a form refused as invalid still lists its
/// errors and is not counted; another address registers freely.
async fn registrations_from_one_address_are_paced(backend: Backend) {
    let database = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(fresh_pg_database().await.unwrap()),
    };
    let s = behind_proxy(backend, database).await;
    let register = |address: &str, i: usize, name: &str| {
        let (login, id) = (format!("0977002{i:03}"), format!("008095002{i:03}"));
        let fields = [
            ("full_name", name),
            ("login", &login),
            ("personal_id", &id),
            ("password", "ruộng bậc thang mùa lúa chín"),
        ];
        form_from(&s.url, "/dang-ky", address, &fields)
    };
    let started = std::time::Instant::now();
    let burst = at_once((0..40).map(|i| register("203.0.113.70", i, "Vàng Thị Dợ")).collect()).await;
    let made = burst.iter().filter(|(st, _)| *st == StatusCode::OK).count();
    assert_eq!(checked(&burst), made, "each answer is an account or a 429: {burst:?}");
    let bound = tinhso_kernel::guard::Rule::REGISTRATIONS.free as usize + 1 + outlasted_waits(started.elapsed());
    assert!((31..=bound).contains(&made), "{made} accounts from one address at once (30 free, at most {bound})");

    // The next one waits, told on the form with what was typed. (A burst that outlasted its
    // first waits lets one more through for each: send on until the wait outlasts a request.)
    // (Each as a new visitor: a registration signs its maker in.)
    let url = s.url.clone();
    let send = |name: &'static str, i: usize| {
        let url = url.clone();
        async move {
            let c = reqwest::Client::builder().cookie_store(true).build().unwrap();
            let page = c.get(format!("{url}/dang-ky")).send().await?.text().await?;
            let (login, id) = (format!("0977003{i:03}"), format!("008095003{i:03}"));
            let form = [
                ("csrf", crate::journey::csrf(&page)),
                ("full_name", name.to_owned()),
                ("login", login),
                ("personal_id", id),
                ("password", "ruộng bậc thang mùa lúa chín".to_owned()),
            ];
            c.post(format!("{url}/dang-ky")).header("x-forwarded-for", "203.0.113.70").form(&form).send().await
        }
    };
    let mut waited = None;
    for i in 0..8 {
        let r = send("Sùng Văn Chứ", i).await.unwrap();
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            waited = Some(r);
            break;
        }
        assert_eq!(r.status(), StatusCode::OK);
    }
    let r = waited.expect("the waits grow until one outlasts a request");
    assert!(r.headers().get("retry-after").is_some());
    let html = r.text().await.unwrap();
    assert!(html.contains("Vui lòng thử lại sau") && html.contains("Sùng Văn Chứ"), "{html}");
    // A form with a mistake lists it at once, wait or not.
    let r = send("", 99).await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("Nhập họ và tên"));

    // Elsewhere, nobody waits.
    assert_eq!(register("198.51.100.70", 100, "Lù Thị Mỷ").await.0, StatusCode::OK);
    s.stop().await.unwrap();
}
