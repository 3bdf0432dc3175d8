//! The shipped deployment (`deploy/`): the systemd units (the server, its nightly backup and
//! timer) with their settings file, and the nginx site in front, run for real. The units are
//! checked by systemd's own tools, and their command lines with those settings start the server
//! and back it up; nginx (Debian's) runs the shipped site with a test certificate in front of
//! that server, and a client reaches it over TLS as a citizen would.

use reqwest::StatusCode;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tinhso_testkit::server::{fresh_data_dir, run_cli};
use tinhso_testkit::{Backend, TestServer};

fn deploy_file(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../deploy").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `text` with `from` replaced, which must be there: a test that silently stopped rendering
/// the shipped file would test nothing.
fn swap(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "the shipped file no longer has {from:?}");
    text.replace(from, to)
}

fn tool(name: &str) -> PathBuf {
    ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
        .iter()
        .map(|d| Path::new(d).join(name))
        .find(|p| p.exists())
        .unwrap_or_else(|| panic!("{name} is not installed: run the tests with scripts/test, which installs it"))
}

/// The settings file's variables, as systemd's `EnvironmentFile=` reads them.
fn settings(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (k, v) = l.split_once('=').unwrap_or_else(|| panic!("not a setting: {l}"));
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

fn free_port() -> u16 {
    tinhso_testkit::server::free_port().unwrap()
}

#[tokio::test]
async fn the_shipped_units_and_nginx_site_serve_the_platform_over_tls_and_back_it_up() {
    let dir = fresh_data_dir().unwrap();

    // The units, pointed at this build and this settings file, as an operator installs them.
    let env_path = dir.join("tinhso.env");
    std::fs::write(&env_path, deploy_file("tinhso.env")).unwrap();
    let backups = dir.join("sao-luu");
    let unit = |name: &str| {
        let text = deploy_file(name);
        let text = if name.ends_with(".service") {
            let text = swap(&text, "/usr/local/bin/tinhso", &crate::bin().display().to_string());
            swap(&text, "EnvironmentFile=/etc/tinhso/tinhso.env", &format!("EnvironmentFile={}", env_path.display()))
        } else {
            text
        };
        let text = text.replace("/var/backups/tinhso", &backups.display().to_string());
        let path = dir.join(name);
        std::fs::write(&path, &text).unwrap();
        (path, text)
    };
    let (service, service_text) = unit("tinhso.service");
    let (backup, backup_text) = unit("tinhso-backup.service");
    let (timer, _) = unit("tinhso-backup.timer");
    let exec = |text: &str| -> Vec<String> {
        let line = text.lines().find_map(|l| l.strip_prefix("ExecStart=")).expect("ExecStart");
        assert!(line.starts_with(&crate::bin().display().to_string()), "{line}");
        line.split_whitespace().skip(1).map(str::to_owned).collect()
    };
    let analyze = tool("systemd-analyze");
    let out = std::process::Command::new(&analyze).arg("verify").args([&service, &backup, &timer]).output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && said.trim().is_empty(), "systemd-analyze verify: {said}");
    // systemd's own exposure score (0 is a fully confined service, 10 an unconfined one): the
    // server sees its data directory and the network, the backup the data and the backups.
    for unit in [&service, &backup] {
        let out = std::process::Command::new(&analyze)
            .args(["security", "--offline=true", "--threshold=25", "--no-pager"])
            .arg(unit)
            .output()
            .unwrap();
        assert!(out.status.success(), "exposure above 2.5:\n{}", String::from_utf8_lossy(&out.stdout));
    }

    // The province set up as README says, then the unit's command with its settings.
    let data = dir.join("data");
    let (code, out, err) = run_cli(
        crate::bin(),
        &["init", "--province", "Tuyên Quang", "--admin", "quantri@tuyenquang.gov.vn", "--data"]
            .map(str::to_owned)
            .into_iter()
            .chain([data.display().to_string()])
            .collect::<Vec<_>>(),
    )
    .await
    .unwrap();
    assert_eq!(code, 0, "{err}");
    let password = out.split("mật khẩu: ").nth(1).and_then(|r| r.split_whitespace().next()).unwrap().to_owned();
    let serve_args = exec(&service_text);
    assert_eq!(serve_args[0], "serve");
    let serve_args: Vec<&str> = serve_args.iter().map(String::as_str).collect();
    let env = settings(&deploy_file("tinhso.env"));
    let listen = env.iter().find(|(k, _)| k == "TINHSO_LISTEN").map(|(_, v)| v.clone()).unwrap();
    assert!(listen.starts_with("127.0.0.1:"), "the platform listens on loopback behind the proxy: {listen}");
    // The port is this test's own (the settings' 8080 may be taken), the backups' directory
    // too; the rest is the file's.
    assert!(env.iter().any(|(k, v)| k == "TINHSO_BACKUP_DIR" && v == "/var/backups/tinhso"), "watched: {env:?}");
    let backups_dir = backups.display().to_string();
    let env: Vec<(&str, &str)> = env
        .iter()
        .filter(|(k, _)| k != "TINHSO_LISTEN")
        .map(|(k, v)| (k.as_str(), if k == "TINHSO_BACKUP_DIR" { backups_dir.as_str() } else { v.as_str() }))
        .collect();
    let s =
        TestServer::start_with_env(Backend::Sqlite, crate::bin(), data, None, "127.0.0.1:0", &serve_args[1..], &env)
            .await
            .unwrap();
    assert!(!s.banner.contains("CẢNH BÁO"), "no demo accounts: {}", s.banner);
    let upstream = s.url.rsplit(':').next().unwrap().to_owned();

    // nginx with the shipped site, its addresses and certificate swapped for the test's.
    let (ca, cert, key) = crate::mail::certificates(&dir);
    let (https, http) = (free_port(), free_port());
    let site = deploy_file("nginx-tinhso.conf");
    let site = swap(&site, "server 127.0.0.1:8080;", &format!("server 127.0.0.1:{upstream};"));
    let site = swap(&site, "listen 443 ssl http2;", &format!("listen 127.0.0.1:{https} ssl http2;"));
    let site = swap(&site, "listen 80;", &format!("listen 127.0.0.1:{http};"));
    let site = swap(&site, "listen [::]:443 ssl http2;", "");
    let site = swap(&site, "listen [::]:80;", "");
    let site = swap(&site, "dichvucong.example.gov.vn", "localhost");
    let site = swap(&site, "/etc/ssl/tinhso/fullchain.pem", &cert.display().to_string());
    let site = swap(&site, "/etc/ssl/tinhso/privkey.pem", &key.display().to_string());
    let access_log = dir.join("access.log");
    let site = swap(&site, "/var/log/nginx/tinhso.log", &access_log.display().to_string());
    std::fs::write(dir.join("tinhso.conf"), site).unwrap();
    let d = dir.display();
    std::fs::write(
        dir.join("nginx.conf"),
        format!(
            "daemon off; master_process off; pid {d}/nginx.pid; error_log {d}/error.log warn;\n\
             events {{ worker_connections 128; }}\n\
             http {{ client_body_temp_path {d}/body; proxy_temp_path {d}/proxy; fastcgi_temp_path {d}/fcgi;\n\
             uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi; include {d}/tinhso.conf; }}\n"
        ),
    )
    .unwrap();
    let mut nginx = tokio::process::Command::new(tool("nginx"))
        .args(["-p", &d.to_string(), "-e", &format!("{d}/error.log"), "-c", &format!("{d}/nginx.conf")])
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut up = false;
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", https)).await.is_ok() {
            up = true;
            break;
        }
        assert!(
            nginx.try_wait().unwrap().is_none(),
            "nginx stopped: {}",
            std::fs::read_to_string(dir.join("error.log")).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "nginx did not listen: {}", std::fs::read_to_string(dir.join("error.log")).unwrap_or_default());

    // A citizen's browser: trusts the province's CA, and comes from an address of its own
    // (127.0.0.2), not the proxy's (127.0.0.1, the only trusted one).
    let browser = |cookies: bool| {
        reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(&std::fs::read(&ca).unwrap()).unwrap())
            .local_address(Some("127.0.0.2".parse().unwrap()))
            .cookie_store(cookies)
            .redirect(if cookies { reqwest::redirect::Policy::limited(5) } else { reqwest::redirect::Policy::none() })
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap()
    };
    let site = format!("https://localhost:{https}");

    // Plain HTTP is sent to HTTPS.
    let r = browser(false).get(format!("http://localhost:{http}/thu-tuc?q=khai%20sinh")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(r.headers()["location"], "https://localhost/thu-tuc?q=khai%20sinh");

    // The platform's answer passes through whole: its security headers (HSTS, since the
    // settings say HTTPS), its gzip, and nginx's request id in place of one a client made up.
    let r = browser(false)
        .get(format!("{site}/thu-tuc"))
        .header("accept-encoding", "gzip")
        .header("x-request-id", "chosen-by-the-client")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["strict-transport-security"], "max-age=31536000");
    assert_eq!(r.headers()["content-encoding"], "gzip");
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert!(r.headers().get("server").is_none_or(|v| v == "nginx"), "no version: {:?}", r.headers().get("server"));
    let id = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert!(id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()), "nginx's id: {id}");
    let mut logged = String::new();
    for _ in 0..50 {
        logged = std::fs::read_to_string(&access_log).unwrap_or_default();
        if logged.contains(&id) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(logged.contains(&format!("id={id}")), "nginx's log names the same request: {logged}");
    assert!(logged.starts_with("127.0.0.2 "), "nginx logs the client: {logged}");

    // Metrics stay off the public site; the platform's own address serves them.
    let r = browser(false).get(format!("{site}/metrics")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = reqwest::get(format!("{}/metrics", s.url)).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // The province admin logs in over TLS: the Secure `__Host-` cookies go back and forth, and
    // the first login leads to choosing their own password.
    let admin = browser(true);
    let form = admin.get(format!("{site}/dang-nhap")).send().await.unwrap();
    let set: Vec<String> =
        form.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
    assert!(set.iter().all(|c| c.starts_with("__Host-") && c.contains("; Secure")), "{set:?}");
    let page = form.text().await.unwrap();
    let csrf = page.split("name=\"csrf\" value=\"").nth(1).and_then(|r| r.split('"').next()).unwrap().to_owned();
    let r = admin
        .post(format!("{site}/dang-nhap"))
        .form(&[("csrf", csrf.as_str()), ("tiep", ""), ("login", "quantri@tuyenquang.gov.vn"), ("password", &password)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.url().path(), "/tai-khoan", "signed in, asked for their own password");
    assert!(r.text().await.unwrap().contains("quantri@tuyenquang.gov.vn"));

    // A guesser cannot pick a fresh address per guess by writing forwarding headers: nginx
    // appends the address it saw, and the platform reads that one (the `Forwarded` header the
    // guesser wrote too passes through nginx untouched and is not read).
    let guesser = browser(false);
    let mut answers = Vec::new();
    for i in 0..6 {
        let forged = format!("198.51.100.{}", 10 + i);
        let r = guesser
            .post(format!("{site}/api/v1/session"))
            .header("x-forwarded-for", &forged)
            .header("forwarded", format!("for={forged}"))
            .json(&serde_json::json!({ "login": "khongco@tuyenquang.gov.vn", "password": "doan-mo-mat-khau" }))
            .send()
            .await
            .unwrap();
        let retry = r.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
        answers.push((r.status(), retry));
    }
    assert!(answers[..3].iter().all(|(st, _)| *st == StatusCode::UNAUTHORIZED), "{answers:?}");
    assert!(
        answers[3..].iter().any(|(st, retry)| *st == StatusCode::TOO_MANY_REQUESTS && retry.is_some()),
        "past three failures one address waits, whatever it claims to be: {answers:?}"
    );

    // The nightly backup's command with the same settings, while the platform serves; the
    // server says when its newest backup began (none yet, then this one).
    let backups_said = || async {
        let m = crate::metrics::parse(&reqwest::get(format!("{}/metrics", s.url)).await.unwrap().text().await.unwrap());
        let v = |name: &str| crate::metrics::value(&m, name, &[]);
        (v("tinhso_backup_watched"), v("tinhso_backup_newest_timestamp_seconds"), v("tinhso_backups_kept"))
    };
    assert_eq!(backups_said().await, (1.0, -1.0, 0.0), "watched, none yet");
    let before = chrono::Utc::now().timestamp() as f64;
    std::fs::create_dir_all(&backups).unwrap();
    let out = tokio::process::Command::new(crate::bin())
        .args(exec(&backup_text))
        .envs(settings(&deploy_file("tinhso.env")))
        .env("TINHSO_DATA", &s.data)
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let made: Vec<_> = std::fs::read_dir(&backups).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(made.len(), 1);
    assert!(made[0].join("sao-luu.json").is_file() && made[0].join("tinhso.db").is_file(), "{made:?}");
    let (watched, newest, kept) = backups_said().await;
    assert!(watched == 1.0 && kept == 1.0 && newest >= before - 1.0 && newest <= before + 60.0, "{newest} {before}");

    nginx.kill().await.unwrap();
    s.stop().await.unwrap();
}

/// The shipped Prometheus alerts: valid to promtool, each firing on the series its unit tests
/// give it (and quiet on ordinary ones), and watching only metrics a real server exports (an
/// alert on a misspelt metric would never fire).
#[tokio::test]
async fn the_shipped_alerts_pass_promtool_and_watch_real_metrics() {
    let deploy = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../deploy");
    let promtool = tool("promtool");
    for args in [["check", "rules", "prometheus-alerts.yml"], ["test", "rules", "prometheus-alerts-test.yml"]] {
        let out = std::process::Command::new(&promtool).args(args).current_dir(&deploy).output().unwrap();
        let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success() && said.contains("SUCCESS"), "promtool {args:?}: {said}");
    }
    let s = crate::server(Backend::Sqlite).await;
    let exported = reqwest::get(format!("{}/metrics", s.url)).await.unwrap().text().await.unwrap();
    let families: std::collections::HashSet<&str> =
        exported.lines().filter_map(|l| l.strip_prefix("# TYPE ")).filter_map(|l| l.split(' ').next()).collect();
    let rules = deploy_file("prometheus-alerts.yml");
    let mut watched = 0;
    for word in rules.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
        if let Some(name) = word.strip_prefix("tinhso_").map(|_| word) {
            let family = ["_bucket", "_count", "_sum"].iter().find_map(|s| name.strip_suffix(s)).unwrap_or(name);
            assert!(families.contains(family), "{name} is not exported: {families:?}");
            watched += 1;
        }
    }
    assert!(watched >= 10, "{watched} metric names in the alerts");
    s.stop().await.unwrap();
}
