//! Notification emails through a real SMTP server (aiosmtpd), including retries while the
//! server is down.

use crate::bin;
use base64::Engine;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tinhso_testkit::server::fresh_data_dir;
use tinhso_testkit::{Backend, TestServer};

/// The text of a message file, with a base64 or quoted-printable body decoded.
fn readable(raw: &str) -> String {
    let (head, body) = raw.split_once("\n\n").or_else(|| raw.split_once("\r\n\r\n")).unwrap_or((raw, ""));
    let body = if head.to_ascii_lowercase().contains("content-transfer-encoding: base64") {
        let joined: String = body.split_whitespace().collect();
        String::from_utf8_lossy(&base64::engine::general_purpose::STANDARD.decode(joined).unwrap_or_default())
            .into_owned()
    } else {
        body.replace("=\r\n", "").replace("=\n", "")
    };
    format!("{head}\n\n{body}")
}

#[tokio::test]
async fn notifications_are_emailed_with_retries_on_sqlite() {
    emailed(Backend::Sqlite).await;
}

#[tokio::test]
async fn notifications_are_emailed_with_retries_on_postgres() {
    if crate::skip_pg() {
        return;
    }
    emailed(Backend::Postgres).await;
}

async fn emailed(backend: Backend) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let smtp = format!("smtp://127.0.0.1:{port}");
    let database = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(tinhso_testkit::server::fresh_pg_database().await.unwrap()),
    };
    let s = TestServer::start_on(
        backend,
        bin(),
        fresh_data_dir().unwrap(),
        database,
        &["--smtp-url", &smtp, "--smtp-retry-secs", "1"],
    )
    .await
    .unwrap();

    // A citizen who logs in with an email address.
    let c = tinhso_testkit::server::register_citizen(
        &s.url,
        "Hà Thị Thu",
        "thu.ha@example.vn",
        "008185004321",
        "chè Shan tuyết cổ thụ",
    )
    .await
    .unwrap();
    let v: Value = c
        .post(format!("{}/api/v1/session", s.url))
        .json(&json!({ "login": "thu.ha@example.vn", "password": "chè Shan tuyết cổ thụ" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let csrf = v["csrf_token"].as_str().unwrap().to_owned();
    let form = json!({
        "ho_ten": "Hà Thị Thu", "so_dinh_danh": "008185004321", "so_dien_thoai": "0977123456",
        "dia_chi": { "detail": "Tổ 5", "commune": 2269 }, "noi_dung": "",
    });
    let r = c
        .post(format!("{}/api/v1/dossiers", s.url))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "procedure": "2.000635", "form": form }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let code = r.json::<Value>().await.unwrap()["code"].as_str().unwrap().to_owned();

    // The relay is down for the first attempts; it comes up and the email arrives on a retry.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let maildir = fresh_data_dir().unwrap().join("mail");
    let mut relay = tokio::process::Command::new("python3")
        .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
        .arg(&maildir)
        .kill_on_drop(true)
        .spawn()
        .expect("aiosmtpd (scripts/test installs it with pip)");
    let deadline = Instant::now() + Duration::from_secs(40);
    let found = loop {
        let messages: Vec<String> = std::fs::read_dir(maildir.join("new"))
            .map(|d| d.filter_map(|e| e.ok()).filter_map(|e| std::fs::read_to_string(e.path()).ok()).collect())
            .unwrap_or_default();
        if let Some(m) = messages.iter().map(|m| readable(m)).find(|m| m.contains(&code)) {
            break m;
        }
        assert!(Instant::now() < deadline, "no email for {code} in {}", maildir.display());
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert!(found.contains("thu.ha@example.vn"), "{found}");
    assert!(found.contains("đã nộp"), "the Vietnamese text survives: {found}");
    relay.kill().await.unwrap();
    s.stop().await.unwrap();
}
