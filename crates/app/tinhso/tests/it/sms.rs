//! Notices as text messages, through an SMS gateway simulator that behaves as a brand-name
//! SMS service does (token, number and GSM checks, maintenance windows): citizens who log in
//! with a phone get one text per notice, without marks, within one message, with the link to
//! their dossier; a gateway that is down is tried again; a number it refuses is not.

use crate::dossier::{generic_form, Caller, PASSWORD, PROVINCIAL};
use serde_json::json;
use std::time::{Duration, Instant};
use tinhso_testkit::server::{code_after, fresh_data_dir, fresh_pg_database, register_citizen};
use tinhso_testkit::sms::{Received, SmsGateway};
use tinhso_testkit::{Backend, TestServer};

#[tokio::test]
async fn notices_are_texted_to_phones_on_sqlite() {
    texted(Backend::Sqlite).await;
}

#[tokio::test]
async fn notices_are_texted_to_phones_on_postgres() {
    texted(Backend::Postgres).await;
}

/// Waits until the gateway has seen a request `matching`, and returns every one it saw.
async fn until(gateway: &SmsGateway, matching: impl Fn(&Received) -> bool) -> Vec<Received> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let log = gateway.log();
        if log.iter().any(&matching) || Instant::now() > deadline {
            return log;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The value of the unlabelled series `name` in a Prometheus text exposition.
fn metric(exposition: &str, name: &str) -> f64 {
    let line = exposition.lines().find(|l| l.starts_with(&format!("{name} "))).unwrap_or_else(|| panic!("{name}"));
    line.rsplit(' ').next().unwrap().parse().unwrap()
}

async fn texted(backend: Backend) {
    let gateway = SmsGateway::start("sms-secret").await.unwrap();
    let database = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(fresh_pg_database().await.unwrap()),
    };
    let args = [
        "--sms-url",
        gateway.url.as_str(),
        "--sms-token",
        "sms-secret",
        "--sms-retry-secs",
        "1",
        "--public-url",
        "https://dichvucong.tuyenquang.gov.vn",
    ];
    let s = TestServer::start_on(backend, crate::bin(), fresh_data_dir().unwrap(), database, &args).await.unwrap();
    // The demo province's history was written before this server texted anything: none of it
    // is sent (the queue starts where the outbox ended when texts were set up, and passes
    // over messages older than a day).
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(gateway.log().len(), 0, "no text of the past: {:?}", gateway.log());

    // The gateway is in maintenance for the first two requests: the text comes on a retry.
    gateway.down_for(2);
    let citizen = Caller::login(&s, "0912345678", PASSWORD).await;
    let (st, d) =
        citizen.post("/api/v1/dossiers", json!({ "procedure": PROVINCIAL, "form": generic_form(2269) })).await;
    assert_eq!(st, reqwest::StatusCode::CREATED, "{d}");
    let code = d["code"].as_str().unwrap().to_owned();
    let accepted = |r: &Received| r.status == 202 && r.text.contains(&code);
    let log = until(&gateway, accepted).await;
    let mine: Vec<&Received> = log.iter().filter(|r| r.text.contains(&code)).collect();
    assert!(mine.iter().any(|r| r.status == 503), "the first try met the maintenance: {log:?}");
    let sent = mine.iter().find(|r| r.status == 202).unwrap_or_else(|| panic!("never delivered: {log:?}"));
    assert_eq!(sent.to, "0912345678");
    assert!(sent.text.starts_with(&format!("Ho so {code}: da nop")), "{}", sent.text);
    assert!(sent.text.ends_with(&format!(" https://dichvucong.tuyenquang.gov.vn/ho-so/{code}")), "{}", sent.text);
    assert!(sent.text.is_ascii() && sent.text.len() <= 160);
    assert_eq!(mine.iter().filter(|r| r.status == 202).count(), 1, "delivered once");

    // The desk receives it: the applicant is texted again; staff, who log in with an email,
    // never are.
    let desk = Caller::login(&s, "tiepnhan@tinhso.local", PASSWORD).await;
    let (st, _) = desk.act(&code, json!({ "action": "receive" })).await;
    assert_eq!(st, reqwest::StatusCode::OK);
    let log = until(&gateway, |r| r.status == 202 && r.text.starts_with(&format!("Ho so {code}: da tiep nhan"))).await;
    let received = log.iter().find(|r| r.status == 202 && r.text.starts_with(&format!("Ho so {code}: da tiep nhan")));
    assert!(received.is_some_and(|r| r.text.contains("Ngay hen tra ket qua")), "{log:?}");
    assert!(log.iter().all(|r| !r.to.contains('@')), "{log:?}");

    // The citizen turns texts off on their account page: the next notice is in the inbox only.
    let browser = crate::journey::page_login(&s, "0912345678").await;
    let page = browser.get(format!("{}/tai-khoan", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Mỗi thông báo về hồ sơ, phản ánh của ông/bà cũng được nhắn tới số 0912345678"));
    let off = [("csrf", crate::journey::csrf(&page)), ("bat", "0".to_owned())];
    let r = browser.post(format!("{}/tai-khoan/tin-nhan", s.url)).form(&off).send().await.unwrap();
    assert!(r.text().await.unwrap().contains("Đã tắt tin nhắn SMS"));
    let (_, quiet) =
        citizen.post("/api/v1/dossiers", json!({ "procedure": PROVINCIAL, "form": generic_form(2269) })).await;
    let quiet = quiet["code"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_millis(3000)).await;
    assert!(gateway.log().iter().all(|r| !r.text.contains(&quiet)), "texts off: nothing sent");
    let (_, inbox) = citizen.get("/api/v1/notifications").await;
    assert!(inbox.to_string().contains(&quiet), "still in the inbox");
    let page = browser.get(format!("{}/tai-khoan", s.url)).send().await.unwrap().text().await.unwrap();
    let on = [("csrf", crate::journey::csrf(&page)), ("bat", "1".to_owned())];
    let r = browser.post(format!("{}/tai-khoan/tin-nhan", s.url)).form(&on).send().await.unwrap();
    assert!(r.text().await.unwrap().contains("Đã bật lại tin nhắn SMS"));

    // A number the gateway's network does not know: refused once, not tried again.
    let unknown = "0388000111";
    gateway.unknown_number(unknown);
    register_citizen(&s.url, "Ma Thị Hoa", unknown, "008190007777", "ruộng bậc thang Hoàng Su Phì").await.unwrap();
    let other = Caller::login(&s, unknown, "ruộng bậc thang Hoàng Su Phì").await;
    let (st, d) = other.post("/api/v1/dossiers", json!({ "procedure": PROVINCIAL, "form": generic_form(2269) })).await;
    assert_eq!(st, reqwest::StatusCode::CREATED, "{d}");
    let theirs = d["code"].as_str().unwrap().to_owned();
    until(&gateway, |r| r.text.contains(&theirs)).await;
    tokio::time::sleep(Duration::from_millis(3000)).await;
    let tries: Vec<u16> = gateway.log().iter().filter(|r| r.text.contains(&theirs)).map(|r| r.status).collect();
    assert_eq!(tries, vec![400], "refused for good after one try");
    let failed = s
        .query_i64("SELECT COUNT(*) FROM sms_delivery WHERE state = 'failed' AND last_error LIKE '%invalid_number%'")
        .await
        .unwrap();
    assert_eq!(failed, 1);
    // Operators see the same in /metrics: texts delivered, retried, refused.
    let metrics = s.client().get(format!("{}/metrics", s.url)).send().await.unwrap().text().await.unwrap();
    let value = |name: &str| metric(&metrics, name);
    assert!(value("tinhso_texts_sent_total") >= 2.0 && value("tinhso_texts_retried_total") >= 2.0);
    assert_eq!(value("tinhso_texts_refused_total"), 1.0);

    // Forgot the password, with only a phone: the code comes by text, and sets a new one
    // without a trip to the desk.
    let anon = s.client();
    let page = anon.get(format!("{}/dat-lai-mat-khau", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Nhận mã qua tin nhắn"), "{page:.3000}");
    let ask = [("csrf", crate::journey::csrf(&page)), ("login", "0912345678".to_owned())];
    let r = anon.post(format!("{}/dat-lai-mat-khau/gui-ma", s.url)).form(&ask).send().await.unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    let after = r.text().await.unwrap();
    assert!(after.contains("vừa được gửi qua tin nhắn"), "{after:.3000}");
    let log = until(&gateway, |r| r.status == 202 && r.text.starts_with("Ma dat lai mat khau Cong DVC: ")).await;
    let text =
        &log.iter().find(|r| r.status == 202 && r.text.starts_with("Ma dat lai mat khau Cong DVC: ")).unwrap().text;
    assert!(text.ends_with(" https://dichvucong.tuyenquang.gov.vn/dat-lai-mat-khau") && text.len() <= 160, "{text}");
    let code = text["Ma dat lai mat khau Cong DVC: ".len()..].split('.').next().unwrap().to_owned();
    let set = [
        ("csrf", crate::journey::csrf(&after)),
        ("login", "0912345678".to_owned()),
        ("personal_id", "008090001234".to_owned()),
        ("ma", code),
        ("password", "mây trắng trên đỉnh Tây Côn Lĩnh".to_owned()),
    ];
    let r = anon.post(format!("{}/dat-lai-mat-khau", s.url)).form(&set).send().await.unwrap();
    let done = r.text().await.unwrap();
    assert!(!done.contains("error-summary"), "{done:.3000}");
    Caller::login(&s, "0912345678", "mây trắng trên đỉnh Tây Côn Lĩnh").await;
    // Codes to one phone are limited as emailed ones are: a text costs the province money.
    let mut waited = false;
    for _ in 0..8 {
        let page = anon.get(format!("{}/dat-lai-mat-khau", s.url)).send().await.unwrap().text().await.unwrap();
        let ask = [("csrf", crate::journey::csrf(&page)), ("login", "0912345678".to_owned())];
        let r = anon.post(format!("{}/dat-lai-mat-khau/gui-ma", s.url)).form(&ask).send().await.unwrap();
        if r.status() == reqwest::StatusCode::TOO_MANY_REQUESTS {
            waited = true;
            break;
        }
    }
    assert!(waited, "asking again and again is slowed");
    s.stop().await.unwrap();
}

#[tokio::test]
async fn a_phone_is_proven_before_it_becomes_a_login_on_sqlite() {
    proven_by_text(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_phone_is_proven_before_it_becomes_a_login_on_postgres() {
    proven_by_text(Backend::Postgres).await;
}

/// With a gateway, registering texts a code to the phone and the account is made only when it
/// comes back: a stranger who names someone's phone gets nothing, and the phone's owner, who
/// registers after them, gets the login; wrong codes run out; a code can be sent again; a
/// gateway that takes nothing makes nothing.
async fn proven_by_text(backend: Backend) {
    const PHONE: &str = "0977123456";
    const PASSWORD_OF: &str = "đồi chè Tân Trào mùa xuân";
    let gateway = SmsGateway::start("sms-secret").await.unwrap();
    let database = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(fresh_pg_database().await.unwrap()),
    };
    // Behind a proxy, so that guesses can come from several addresses (one address is slowed
    // after three, as for passwords, before the code's own five run out).
    let args = [
        "--sms-url",
        gateway.url.as_str(),
        "--sms-token",
        "sms-secret",
        "--prove-logins",
        "--trusted-proxy",
        "127.0.0.1/32",
    ];
    let s = TestServer::start_on(backend, crate::bin(), fresh_data_dir().unwrap(), database, &args).await.unwrap();
    let codes_to = |phone: &str| -> Vec<String> {
        gateway
            .log()
            .iter()
            .filter(|r| r.to == phone && r.status == 202)
            .filter_map(|r| code_after(&r.text, "Cong DVC:"))
            .collect()
    };
    let register = |name: &'static str, personal_id: &'static str| {
        let url = s.url.clone();
        async move {
            let c = reqwest::Client::builder().cookie_store(true).build().unwrap();
            let page = c.get(format!("{url}/dang-ky")).send().await.unwrap().text().await.unwrap();
            let form = [
                ("csrf", crate::journey::csrf(&page)),
                ("full_name", name.to_owned()),
                ("login", PHONE.to_owned()),
                ("personal_id", personal_id.to_owned()),
                ("password", PASSWORD_OF.to_owned()),
            ];
            let r = c.post(format!("{url}/dang-ky")).form(&form).send().await.unwrap();
            (c, r.status(), r.text().await.unwrap())
        }
    };
    let from = std::sync::atomic::AtomicU8::new(1);
    let prove = |c: &reqwest::Client, page: &str, code: &str| {
        let form = [("csrf", crate::journey::csrf(page)), ("login", PHONE.to_owned()), ("ma", code.to_owned())];
        let address = format!("198.51.100.{}", from.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        c.post(format!("{}/dang-ky/xac-nhan", s.url)).header("x-forwarded-for", address).form(&form).send()
    };

    // The form says so before anyone types.
    let form = s.client().get(format!("{}/dang-ky", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(form.contains("Một mã xác nhận 6 chữ số sẽ được gửi tới số điện thoại này"), "{form:.3000}");

    // A stranger names the phone: the code goes to the phone, not to them; no account yet.
    let (stranger, st, strangers) = register("Kẻ Mạo Danh", "001090009999").await;
    assert_eq!(st, reqwest::StatusCode::OK);
    assert!(strangers.contains("vừa được gửi qua tin nhắn tới số 0977123456"), "{strangers:.3000}");
    let first = codes_to(PHONE);
    assert_eq!(first.len(), 1, "{:?}", gateway.log());
    let text = &gateway.log().iter().find(|r| r.to == PHONE).unwrap().text.clone();
    assert!(text.is_ascii() && text.len() <= 160 && text.contains("Khong dua ma nay cho ai"), "{text}");
    assert_eq!(crate::abuse::login_as(&s.url, PHONE, PASSWORD_OF).await, reqwest::StatusCode::UNAUTHORIZED);
    // Their guesses are wrong, and say how many remain.
    let r = prove(&stranger, &strangers, "000000").await.unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("còn 4 lần nhập"));

    // The phone's owner registers: their code replaces the stranger's, which no longer works.
    let (owner, st, page) = register("Sầm Thị Lan", "008185007777").await;
    assert_eq!(st, reqwest::StatusCode::OK);
    let codes = codes_to(PHONE);
    assert_eq!(codes.len(), 2);
    let r = prove(&stranger, &strangers, &codes[0]).await.unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::BAD_REQUEST, "the stranger's code is void");
    // Four more wrong codes void the owner's too; a code sent again works.
    for _ in 0..4 {
        let _ = prove(&owner, &page, "111111").await.unwrap();
    }
    let r = prove(&owner, &page, &codes[1]).await.unwrap();
    let said = r.text().await.unwrap();
    assert!(said.contains("Đã nhập sai mã 5 lần") || said.contains("không còn dùng được"), "{said:.3000}");
    let again = [("csrf", crate::journey::csrf(&page)), ("login", PHONE.to_owned())];
    let r = owner.post(format!("{}/dang-ky/gui-lai-ma", s.url)).form(&again).send().await.unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    let page = r.text().await.unwrap();
    assert!(page.contains("vừa được gửi qua tin nhắn"), "{page:.3000}");
    let newest = codes_to(PHONE).pop().unwrap();
    let r = prove(&owner, &page, &format!("{} {}", &newest[..3], &newest[3..])).await.unwrap();
    assert_eq!(r.url().path(), "/tai-khoan", "spaces in the code do not matter");
    assert!(r.text().await.unwrap().contains("Sầm Thị Lan"), "the account is the owner's");
    assert_eq!(crate::abuse::login_as(&s.url, PHONE, PASSWORD_OF).await, reqwest::StatusCode::OK);
    // The code is used up; registering the phone again finds it taken.
    let (_, st, page) = register("Kẻ Mạo Danh", "001090009999").await;
    assert_eq!(st, reqwest::StatusCode::BAD_REQUEST);
    assert!(page.contains("đã có tài khoản"), "{page:.3000}");

    // A gateway that takes nothing: said on the form, as typed, and nothing is made.
    gateway.down_for(1);
    let c = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let form_page = c.get(format!("{}/dang-ky", s.url)).send().await.unwrap().text().await.unwrap();
    let form = [
        ("csrf", crate::journey::csrf(&form_page)),
        ("full_name", "Hoàng Văn Páo".to_owned()),
        ("login", "0977654321".to_owned()),
        ("personal_id", "008090004444".to_owned()),
        ("password", PASSWORD_OF.to_owned()),
    ];
    let r = c.post(format!("{}/dang-ky", s.url)).form(&form).send().await.unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::SERVICE_UNAVAILABLE);
    let page = r.text().await.unwrap();
    assert!(page.contains("Chưa gửi được tin nhắn mã xác nhận") && page.contains("Hoàng Văn Páo"), "{page:.3000}");
    assert_eq!(crate::abuse::login_as(&s.url, "0977654321", PASSWORD_OF).await, reqwest::StatusCode::UNAUTHORIZED);
    // Operators see the codes among the texts the gateway took or put off.
    let metrics = s.client().get(format!("{}/metrics", s.url)).send().await.unwrap().text().await.unwrap();
    let value = |name: &str| metric(&metrics, name);
    assert_eq!(value("tinhso_texts_sent_total"), 3.0, "the stranger's, the owner's, and the one sent again");
    assert_eq!(value("tinhso_texts_retried_total"), 1.0, "the one the gateway did not take");
    s.stop().await.unwrap();
}
