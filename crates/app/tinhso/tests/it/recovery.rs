//! A citizen who logs in with an email address and forgot the password has a one-time code
//! mailed (through a real SMTP relay, aiosmtpd) and sets a new password with it, without going
//! to a desk. The answer never says whether a login exists, the mail never shows in the inbox a
//! borrowed session can read, its link uses the configured public address (not the request's
//! Host), a code works once and only the newest, and a flood of requests waits.

use crate::journey::csrf;
use crate::mail::readable;
use reqwest::StatusCode;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tinhso_testkit::server::fresh_data_dir;
use tinhso_testkit::{Backend, TestServer};

const LOGIN: &str = "thu.ha@example.vn";
const PERSONAL_ID: &str = "008185004321";
const OLD: &str = "chè Shan tuyết cổ thụ";
const NEW: &str = "ruộng bậc thang Hoàng Su Phì";

#[tokio::test]
async fn a_password_reset_code_mailed_on_sqlite() {
    mailed_reset(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_password_reset_code_mailed_on_postgres() {
    mailed_reset(Backend::Postgres).await;
}

/// The messages the relay delivered so far, readable.
fn delivered(maildir: &Path) -> Vec<String> {
    std::fs::read_dir(maildir.join("new"))
        .map(|d| d.filter_map(|e| e.ok()).filter_map(|e| std::fs::read_to_string(e.path()).ok()).collect::<Vec<_>>())
        .unwrap_or_default()
        .iter()
        .map(|m| readable(m))
        .collect()
}

/// Waits for a reset mail with a code not in `known`; returns it with its code.
async fn new_reset_mail(maildir: &Path, known: &[&str]) -> (String, String) {
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let fresh = delivered(maildir).into_iter().find_map(|m| {
            let code = m.split("Mã đặt lại mật khẩu: ").nth(1)?.get(..9)?.to_owned();
            (!known.contains(&code.as_str())).then_some((m, code))
        });
        if let Some(found) = fresh {
            return found;
        }
        assert!(Instant::now() < deadline, "no new reset mail in {}", maildir.display());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The answer's status message, with the login asked about taken out.
fn said(html: &str, login: &str) -> String {
    let at = html.find("<div class=\"success\" role=\"status\">").expect("a status message");
    html[at..].split("</div>").next().unwrap().replace(login, "…")
}

async fn mailed_reset(backend: Backend) {
    let port = tinhso_testkit::server::free_port().unwrap();
    let maildir: PathBuf = fresh_data_dir().unwrap().join("mail");
    let mut relay = crate::mail::relay(port, &maildir).await;
    let database = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(tinhso_testkit::server::fresh_pg_database().await.unwrap()),
    };
    let smtp = format!("smtp://127.0.0.1:{port}");
    let args = [
        "--smtp-url",
        smtp.as_str(),
        "--smtp-retry-secs",
        "1",
        "--public-url",
        "https://dichvucong.tuyenquang.gov.vn/",
    ];
    let s = TestServer::start_on(backend, crate::bin(), fresh_data_dir().unwrap(), database, &args).await.unwrap();
    tinhso_testkit::server::register_citizen(&s.url, "Hà Thị Thu", LOGIN, PERSONAL_ID, OLD).await.unwrap();
    // The owner is logged in on another device (a session a thief could hold, too).
    let other_device = s.client();
    let page = other_device.get(format!("{}/dang-nhap", s.url)).send().await.unwrap().text().await.unwrap();
    let form = [("csrf", csrf(&page)), ("login", LOGIN.into()), ("password", OLD.into())];
    assert_eq!(other_device.post(format!("{}/dang-nhap", s.url)).form(&form).send().await.unwrap().status(), 200);

    let anon = s.client();
    let page = anon.get(format!("{}/dat-lai-mat-khau", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("action=\"/dat-lai-mat-khau/gui-ma\""), "the page offers a code by email");
    let ask = |login: &'static str, host: Option<&'static str>| {
        let (anon, url, token) = (anon.clone(), format!("{}/dat-lai-mat-khau/gui-ma", s.url), csrf(&page));
        async move {
            let mut r = anon.post(url).form(&[("csrf", token.as_str()), ("login", login)]);
            if let Some(h) = host {
                r = r.header("Host", h);
            }
            let r = r.send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    // A phone login is told where to go; an unknown address gets the same answer as a known one.
    let (st, html) = ask("0977123456", None).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(html.contains("đặt lại mật khẩu tại Bộ phận Một cửa"), "{html:.3000}");
    let (st, unknown) = ask("khong.co.ai@example.vn", None).await;
    assert_eq!(st, StatusCode::OK);
    assert!(unknown.contains("một mã đặt lại mật khẩu vừa được gửi"), "{unknown:.3000}");
    let (st, known) = ask(LOGIN, Some("attacker.example")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(said(&known, LOGIN), said(&unknown, "khong.co.ai@example.vn"), "the same answer either way");
    let (mail, first) = new_reset_mail(&maildir, &[]).await;
    assert!(mail.contains(LOGIN), "{mail}");
    let link =
        format!("https://dichvucong.tuyenquang.gov.vn/dat-lai-mat-khau?dang_nhap=thu.ha%40example.vn&ma={first}");
    assert!(mail.contains(&link), "the link uses the configured address: {mail}");
    assert!(!mail.contains("attacker.example"), "never the request's Host: {mail}");
    let resets = delivered(&maildir).into_iter().filter(|m| m.contains("Mã đặt lại mật khẩu:")).count();
    assert_eq!(resets, 1, "nothing was mailed for the unknown address");
    assert!(delivered(&maildir).iter().all(|m| !m.contains("khong.co.ai@example.vn")));

    // Until the code is used the old password works, and the mail is in no inbox.
    let api = reqwest::Client::new();
    let login = |password: &'static str| {
        let (api, url) = (api.clone(), format!("{}/api/v1/session", s.url));
        async move { api.post(url).json(&json!({ "login": LOGIN, "password": password })).send().await.unwrap().status() }
    };
    assert_eq!(login(OLD).await, StatusCode::OK, "asking for a code locks nobody out");
    let notices = other_device.get(format!("{}/thong-bao", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(!notices.contains(&first) && !notices.contains("Mã đặt lại"), "not in the inbox: {notices:.3000}");
    let api_notices = other_device.get(format!("{}/api/v1/notifications", s.url)).send().await.unwrap();
    assert!(!api_notices.text().await.unwrap().contains(&first), "not in the API's inbox either");

    // Asking again voids the first code.
    assert_eq!(ask(LOGIN, None).await.0, StatusCode::OK);
    let (_, second) = new_reset_mail(&maildir, &[&first]).await;
    assert_ne!(first, second);
    let prefilled = anon
        .get(format!("{}/dat-lai-mat-khau?dang_nhap=thu.ha%40example.vn&ma={second}", s.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(prefilled.contains(&format!("value=\"{second}\"")), "the link fills in the code");
    assert!(prefilled.contains(&format!("value=\"{LOGIN}\"")), "and the login");
    let set = |code: String, personal_id: &'static str| {
        let (anon, url, token) = (anon.clone(), format!("{}/dat-lai-mat-khau", s.url), csrf(&prefilled));
        async move {
            let form = [
                ("csrf", token.as_str()),
                ("login", LOGIN),
                ("personal_id", personal_id),
                ("ma", code.as_str()),
                ("password", NEW),
            ];
            anon.post(url).form(&form).send().await.unwrap()
        }
    };
    let r = set(first.clone(), PERSONAL_ID).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "the first code no longer works");
    assert!(r.text().await.unwrap().contains("không khớp nhau"));
    let r = set(second.clone(), "001090000001").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "another person's personal id");
    let r = set(second.to_lowercase(), PERSONAL_ID).await;
    assert_eq!(r.url().path(), "/tai-khoan", "logged in with the new password");
    assert!(r.text().await.unwrap().contains("Đã đổi mật khẩu"));
    assert_eq!(login(OLD).await, StatusCode::UNAUTHORIZED, "the old password is gone");
    assert_eq!(login(NEW).await, StatusCode::OK);
    let r = other_device.get(format!("{}/ho-so", s.url)).send().await.unwrap();
    assert_eq!(r.url().path(), "/dang-nhap", "every other session ended");
    let again = s.client();
    let page2 = again.get(format!("{}/dat-lai-mat-khau", s.url)).send().await.unwrap().text().await.unwrap();
    let form = [
        ("csrf", csrf(&page2)),
        ("login", LOGIN.into()),
        ("personal_id", PERSONAL_ID.into()),
        ("ma", second.clone()),
        ("password", "một mật khẩu khác hẳn".into()),
    ];
    let r = again.post(format!("{}/dat-lai-mat-khau", s.url)).form(&form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "a code works once");
    let notices = anon.get(format!("{}/thong-bao", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(notices.contains("bằng mã gửi qua thư điện tử"), "the owner is told: {notices:.3000}");

    // Flooding someone's mailbox soon has to wait.
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let r = again
            .post(format!("{}/dat-lai-mat-khau/gui-ma", s.url))
            .form(&[("csrf", csrf(&page2).as_str()), ("login", LOGIN)])
            .send()
            .await
            .unwrap();
        statuses.push((r.status(), r.headers().get("retry-after").is_some()));
    }
    assert_eq!(statuses.last(), Some(&(StatusCode::TOO_MANY_REQUESTS, true)), "{statuses:?}");
    relay.kill().await.unwrap();
    s.stop().await.unwrap();
}
