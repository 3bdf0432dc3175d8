//! Notification emails through a real SMTP server (aiosmtpd), including retries while the
//! server is down.

use crate::bin;
use base64::Engine;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tinhso_testkit::server::fresh_data_dir;
use tinhso_testkit::{Backend, TestServer};

/// The text of a message file, with a base64 or quoted-printable body decoded.
pub(crate) fn readable(raw: &str) -> String {
    let (head, body) = raw.split_once("\n\n").or_else(|| raw.split_once("\r\n\r\n")).unwrap_or((raw, ""));
    let body = if head.to_ascii_lowercase().contains("content-transfer-encoding: base64") {
        let joined: String = body.split_whitespace().collect();
        String::from_utf8_lossy(&base64::engine::general_purpose::STANDARD.decode(joined).unwrap_or_default())
            .into_owned()
    } else if head.to_ascii_lowercase().contains("content-transfer-encoding: quoted-printable") {
        quoted_printable(&body.replace("=\r\n", "").replace("=\n", ""))
    } else {
        body.to_owned()
    };
    format!("{head}\n\n{body}")
}

/// A quoted-printable body (soft breaks already joined): `=HH` is a byte, the text UTF-8.
fn quoted_printable(s: &str) -> String {
    let (bytes, mut out) = (s.as_bytes(), Vec::new());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'=', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The registration code the relay delivered to `login` into `maildir`, if one came (the
/// newest, when it was sent again).
pub(crate) fn registration_code(maildir: &std::path::Path, login: &str) -> Option<String> {
    let mut mails: Vec<(std::time::SystemTime, String)> = std::fs::read_dir(maildir.join("new"))
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, readable(&std::fs::read_to_string(e.path()).ok()?))))
        .filter(|(_, m)| m.contains(login))
        .collect();
    mails.sort();
    mails.iter().rev().find_map(|(_, m)| tinhso_testkit::server::code_after(m, "Mã xác nhận đăng ký tài khoản:"))
}

/// An aiosmtpd relay on `port` delivering into `maildir`, once it listens.
pub(crate) async fn relay(port: u16, maildir: &std::path::Path) -> tokio::process::Child {
    let child = tokio::process::Command::new("python3")
        .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
        .arg(maildir)
        .kill_on_drop(true)
        .spawn()
        .expect("aiosmtpd (scripts/test installs it with pip)");
    listening(port).await;
    child
}

/// Waits (up to 10 s) until something listens on `port`.
async fn listening(port: u16) {
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("nothing listens on {port}");
}

#[tokio::test]
async fn notifications_are_emailed_with_retries_on_sqlite() {
    emailed(Backend::Sqlite).await;
}

#[tokio::test]
async fn notifications_are_emailed_with_retries_on_postgres() {
    emailed(Backend::Postgres).await;
}

async fn emailed(backend: Backend) {
    let port = tinhso_testkit::server::free_port().unwrap();
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
        &["--smtp-url", &smtp, "--smtp-retry-secs", "1", "--public-url", "https://dichvucong.tuyenquang.gov.vn/"],
    )
    .await
    .unwrap();

    // A citizen who logs in with an email address (this server does not prove logins: the
    // account is made at once, while the relay is down).
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
    let mut relay = relay(port, &maildir).await;
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
    // A mailbox has no language switch: the English side follows the Vietnamese.
    let (vi, en) = (found.find("đã nộp").unwrap(), found.find(&format!("Dossier {code}: sent")));
    assert!(en.is_some_and(|en| en > vi), "the English after the Vietnamese: {found}");
    // The mail leads back to the dossier on the portal's public address.
    let link = format!("Xem hồ sơ / View the dossier: https://dichvucong.tuyenquang.gov.vn/ho-so/{code}\n");
    assert!(found.replace("\r\n", "\n").contains(&link), "{found}");
    relay.kill().await.unwrap();
    s.stop().await.unwrap();
}

/// Generates a CA and a certificate for `localhost` signed by it (openssl CLI); returns the
/// paths of the CA certificate, the leaf certificate and its key.
pub(crate) fn certificates(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let run = |args: &[&str]| {
        let out = std::process::Command::new("openssl").args(args).current_dir(dir).output().unwrap();
        assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=Tinh So test CA",
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "relay.key",
        "-out",
        "relay.csr",
        "-subj",
        "/CN=localhost",
    ]);
    std::fs::write(
        dir.join("ext.cnf"),
        "basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "relay.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "relay.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    ]);
    (dir.join("ca.pem"), dir.join("relay.pem"), dir.join("relay.key"))
}

/// STARTTLS to a relay whose certificate chains to a provincial CA given with --smtp-ca; a
/// URL the platform cannot honour stops start-up with a clear message.
#[tokio::test]
async fn notifications_go_over_starttls_with_a_provincial_ca() {
    let dir = fresh_data_dir().unwrap();
    let (ca, cert, key) = certificates(&dir);
    let port = tinhso_testkit::server::free_port().unwrap();
    let maildir = dir.join("mail");
    let script = "import asyncio,ssl,sys\nfrom aiosmtpd.controller import Controller\nfrom aiosmtpd.handlers import Mailbox\n\
ctx=ssl.create_default_context(ssl.Purpose.CLIENT_AUTH); ctx.load_cert_chain(sys.argv[1], sys.argv[2])\n\
c=Controller(Mailbox(sys.argv[3]), hostname='127.0.0.1', port=int(sys.argv[4]), tls_context=ctx, require_starttls=True)\n\
c.start()\nimport time\nwhile True: time.sleep(1)\n";
    let mut relay = tokio::process::Command::new("python3")
        .args(["-c", script])
        .arg(&cert)
        .arg(&key)
        .arg(&maildir)
        .arg(port.to_string())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let smtp = format!("smtp://localhost:{port}?tls=starttls");
    let ca = ca.display().to_string();
    let s = TestServer::start_on(
        Backend::Sqlite,
        bin(),
        fresh_data_dir().unwrap(),
        None,
        &["--smtp-url", &smtp, "--smtp-ca", &ca, "--smtp-retry-secs", "1", "--prove-logins"],
    )
    .await
    .unwrap();
    listening(port).await;
    tinhso_testkit::server::register_proving(
        &s.url,
        "Ma Thị Lan",
        "lan.ma@example.vn",
        "008185004322",
        "nương ngô bậc thang",
        || registration_code(&maildir, "lan.ma@example.vn"),
    )
    .await
    .unwrap();
    let c = s.client();
    let v: Value = c
        .post(format!("{}/api/v1/session", s.url))
        .json(&json!({ "login": "lan.ma@example.vn", "password": "nương ngô bậc thang" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let form = json!({
        "ho_ten": "Ma Thị Lan", "so_dinh_danh": "008185004322", "so_dien_thoai": "0977123457",
        "dia_chi": { "detail": "Bản Phiêng", "commune": 2269 }, "noi_dung": "",
    });
    let r = c
        .post(format!("{}/api/v1/dossiers", s.url))
        .header("x-csrf-token", v["csrf_token"].as_str().unwrap())
        .json(&json!({ "procedure": "2.000635", "form": form }))
        .send()
        .await
        .unwrap();
    let code = r.json::<Value>().await.unwrap()["code"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let messages: Vec<String> = std::fs::read_dir(maildir.join("new"))
            .map(|d| d.filter_map(|e| e.ok()).filter_map(|e| std::fs::read_to_string(e.path()).ok()).collect())
            .unwrap_or_default();
        if messages.iter().map(|m| readable(m)).any(|m| m.contains(&code) && m.contains("lan.ma@example.vn")) {
            break;
        }
        assert!(Instant::now() < deadline, "no email over STARTTLS for {code}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    relay.kill().await.unwrap();
    s.stop().await.unwrap();

    let (code, _, err) = tinhso_testkit::server::run_cli(
        bin(),
        &[
            "serve".into(),
            "--data".into(),
            fresh_data_dir().unwrap().display().to_string(),
            "--smtp-url".into(),
            "ftp://mail.example.vn".into(),
        ],
    )
    .await
    .unwrap();
    assert_ne!(code, 0);
    assert!(err.contains("--smtp-url") && err.contains("smtps://"), "{err}");
}
