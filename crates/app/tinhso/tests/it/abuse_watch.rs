//! Attacks are noticed, not only slowed: one account's password guessed from many addresses
//! shows on the auditors' page as it happens, the server's watch tells every auditor and
//! province admin in their notices (once a day per kind of attack), and the account's owner is
//! told at their next login how many wrong passwords came before it.

use crate::abuse::{behind_proxy, CITIZEN};
use crate::dossier::{Caller, PASSWORD};
use crate::journey::page_login;
use reqwest::StatusCode;
use serde_json::json;
use tinhso_testkit::server::fresh_pg_database;
use tinhso_testkit::{Backend, TestServer};

#[tokio::test]
async fn guessing_one_password_from_many_addresses_is_noticed_on_sqlite() {
    guessing_is_noticed(Backend::Sqlite).await;
}

#[tokio::test]
async fn guessing_one_password_from_many_addresses_is_noticed_on_postgres() {
    guessing_is_noticed(Backend::Postgres).await;
}

/// The auditors' page's row for `what`, from its `<tr` to its `</tr>`.
fn row<'a>(html: &'a str, what: &str) -> &'a str {
    let at = html.find(what).unwrap_or_else(|| panic!("no row for {what}: {html}"));
    let start = html[..at].rfind("<tr").unwrap();
    &html[start..at + html[at..].find("</tr>").unwrap()]
}

const FROM_MANY: &str = "Nhập sai mật khẩu của một tài khoản từ nhiều địa chỉ";

async fn guessing_is_noticed(backend: Backend) {
    let database = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(fresh_pg_database().await.unwrap()),
    };
    let s = behind_proxy(backend, database).await;
    let auditor = page_login(&s, "kiemtra@tinhso.local").await;
    let page = |c: &reqwest::Client| {
        let url = format!("{}/quan-tri/kiem-tra", s.url);
        let c = c.clone();
        async move { c.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let before = page(&auditor).await;
    assert!(!row(&before, FROM_MANY).starts_with("<tr class=\"alert\""), "{before}");
    // Eleven wrong passwords for one citizen, each from its own address: each is checked, and
    // past ten the account's tally makes the next try wait, wherever it comes from.
    let client = reqwest::Client::new();
    for i in 0..11 {
        let r = client
            .post(format!("{}/api/v1/session", s.url))
            .header("x-forwarded-for", format!("198.51.100.{}", 10 + i))
            .json(&json!({ "login": CITIZEN, "password": "doan-mat-khau" }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "guess {i}");
    }
    let during = page(&auditor).await;
    let login = row(&during, FROM_MANY);
    assert!(login.starts_with("<tr class=\"alert\""), "{login}");
    assert!(login.contains(">1 tài khoản<") && login.contains(">11<"), "{login}");
    // Nothing else is taken for an attack: the other rows are quiet.
    assert_eq!(during.matches("<tr class=\"alert\"").count(), 1, "{during}");
    // The watch runs every quarter of an hour; its next turn, at the next start, tells the
    // auditors and province admins.
    s.exec_sql("DELETE FROM job_run WHERE job = 'guard.watch'").await.unwrap();
    let (data, database) = (s.data.clone(), s.database.clone());
    s.stop().await.unwrap();
    let args = ["--trusted-proxy", "127.0.0.1/32"];
    let s = TestServer::start_on(backend, crate::bin(), data, database, &args).await.unwrap();
    for login in ["kiemtra@tinhso.local", "quantri@tinhso.local"] {
        let watcher = Caller::login(&s, login, PASSWORD).await;
        let mut subjects = Vec::new();
        for _ in 0..50 {
            let (_, inbox) = watcher.get("/api/v1/notifications").await;
            subjects = inbox["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["subject"].as_str().unwrap().to_owned())
                .filter(|m| m.starts_with("Cảnh báo an ninh"))
                .collect();
            if !subjects.is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let expected = "Cảnh báo an ninh: nhập sai mật khẩu của một tài khoản từ nhiều địa chỉ";
        assert_eq!(subjects, [expected], "{login}");
    }
    // The owner, logging in at last from their own address once the account's short wait is
    // over (at most a minute, whoever guessed), is told their password was tried.
    for _ in 0..3 {
        let r = client
            .post(format!("{}/api/v1/session", s.url))
            .json(&json!({ "login": CITIZEN, "password": PASSWORD }))
            .send()
            .await
            .unwrap();
        let Some(wait) = r.headers().get("retry-after") else {
            assert_eq!(r.status(), StatusCode::OK);
            break;
        };
        let wait: u64 = wait.to_str().unwrap().parse().unwrap();
        assert!(wait <= 60, "the owner waits {wait} s");
        tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
    }
    let owner = Caller::login(&s, CITIZEN, PASSWORD).await;
    let (_, inbox) = owner.get("/api/v1/notifications").await;
    let told = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["subject"] == "Mật khẩu tài khoản của ông/bà bị nhập sai nhiều lần");
    assert!(told.is_some_and(|m| m["body"].as_str().unwrap().contains("bị nhập sai 11 lần")), "{inbox}");
    // On the notices page, where to change it is a link; so is the auditors' page in theirs.
    let notices = |c: reqwest::Client| {
        let url = format!("{}/thong-bao", s.url);
        async move { c.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let mine = notices(page_login(&s, CITIZEN).await).await;
    assert!(mine.contains("<a href=\"/tai-khoan\">/tai-khoan</a>"), "{mine}");
    let theirs = notices(page_login(&s, "kiemtra@tinhso.local").await).await;
    assert!(theirs.contains("<a href=\"/quan-tri/kiem-tra\">/quan-tri/kiem-tra</a>"), "{theirs}");
    // Staff who do not watch over the platform are not told.
    let officer = Caller::login(&s, "chuyenvien@tinhso.local", PASSWORD).await;
    let (_, inbox) = officer.get("/api/v1/notifications").await;
    assert!(!inbox.to_string().contains("Cảnh báo an ninh"), "{inbox}");
    // The page stays the auditors' and province admins'.
    let leader = page_login(&s, "lanhdao@tinhso.local").await;
    let r = leader.get(format!("{}/quan-tri/kiem-tra", s.url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    s.stop().await.unwrap();
}
