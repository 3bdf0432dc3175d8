//! The operators' commands against real data directories.

use crate::{bin, server};
use tinhso_testkit::server::{fresh_data_dir, run_cli};
use tinhso_testkit::{Backend, TestServer};

fn args(v: &[&str], data: &std::path::Path) -> Vec<String> {
    let mut a: Vec<String> = v.iter().map(|s| (*s).to_owned()).collect();
    a.extend(["--data".to_owned(), data.display().to_string()]);
    a
}

#[tokio::test]
async fn calendar_commands() {
    let data = fresh_data_dir().unwrap();
    let (code, out, _) = run_cli(bin(), &args(&["calendar", "due", "2025-01-24", "3"], &data)).await.unwrap();
    assert_eq!((code, out.as_str()), (0, "2025-02-05\n"));
    // Swap Saturday 26 Apr 2025 is a working day.
    let (_, out, _) = run_cli(bin(), &args(&["calendar", "due", "2025-04-24", "2"], &data)).await.unwrap();
    assert_eq!(out.trim(), "2025-04-26");
    let (code, out, _) = run_cli(bin(), &args(&["calendar", "year", "2025"], &data)).await.unwrap();
    assert_eq!(code, 0);
    assert!(out.contains("2025-01-29\tnghỉ\tTết Nguyên đán") && out.contains("2025-04-26\tlàm bù"));
    // A year without official data comes from the rules, lunar dates included.
    let (_, out, _) = run_cli(bin(), &args(&["calendar", "year", "2030"], &data)).await.unwrap();
    assert!(out.contains("Giỗ Tổ Hùng Vương") && out.contains("Tết Nguyên đán"));
    let (code, _, err) = run_cli(bin(), &args(&["calendar", "due", "2025-13-01", "3"], &data)).await.unwrap();
    assert_ne!(code, 0);
    assert!(err.contains("invalid"), "{err}");
}

#[tokio::test]
async fn init_any_province_without_demo() {
    let data = fresh_data_dir().unwrap();
    let (code, out, err) = run_cli(bin(), &args(&["init", "--province", "ha noi"], &data)).await.unwrap();
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Thành phố Hà Nội") && out.contains("mật khẩu"));
    let (code, _, err) = run_cli(bin(), &args(&["init", "--province", "Cao Bằng"], &data)).await.unwrap();
    assert_ne!(code, 0, "a second init is refused");
    assert!(err.contains("Hà Nội"));
    let s = TestServer::start_on(Backend::Sqlite, bin(), data, None, &["--no-demo"]).await.unwrap();
    let v: serde_json::Value =
        s.client().get(format!("{}/api/v1/units", s.url)).send().await.unwrap().json().await.unwrap();
    assert_eq!(v["total"], 126);
    let h: serde_json::Value = s.client().get(format!("{}/healthz", s.url)).send().await.unwrap().json().await.unwrap();
    assert_eq!(h["procedures"], 0, "no demo catalogue");
    assert!(!s.banner.contains("0912345678"), "no demo accounts");
    s.stop().await.unwrap();
    let (code, _, err) =
        run_cli(bin(), &args(&["init", "--province", "Hà Giang"], &fresh_data_dir().unwrap())).await.unwrap();
    assert_ne!(code, 0);
    assert!(err.contains("Tuyên Quang"), "lists the provinces: {err}");
}

#[tokio::test]
async fn catalogue_export_import_round_trip_and_all_or_nothing() {
    let s = server(Backend::Sqlite).await;
    let dir = fresh_data_dir().unwrap();
    let data = s.data_args();
    let with =
        |v: &[&str]| -> Vec<String> { [v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>(), data.clone()].concat() };
    let json = dir.join("catalogue.json");
    let csv = dir.join("catalogue.csv");
    for f in [&json, &csv] {
        let (code, out, err) = run_cli(bin(), &with(&["catalogue", "export", &f.display().to_string()])).await.unwrap();
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("144"));
    }
    let exported: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(exported.as_array().unwrap().len(), 144);

    // A CSV with one bad row among good ones imports nothing.
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let renamed = lines[1].replacen("1.", "7.", 1).replace("Thủ tục", "Thủ tục mới");
    lines.push(renamed);
    lines.push(
        lines[2]
            .replacen("1.", "8.", 1)
            .replace("fully_online", "sometimes_online")
            .replace("partly_online", "sometimes_online"),
    );
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, lines.join("\n")).unwrap();
    let (code, _, err) = run_cli(bin(), &with(&["catalogue", "import", &bad.display().to_string()])).await.unwrap();
    assert_eq!(code, 1);
    assert!(err.contains("dòng 147") && err.contains("Không nhập thủ tục nào"), "{err}");
    let h: serde_json::Value = s.client().get(format!("{}/healthz", s.url)).send().await.unwrap().json().await.unwrap();
    assert_eq!(h["procedures"], 144);

    // Without the bad row it imports, in one transaction.
    lines.pop();
    std::fs::write(&bad, lines.join("\n")).unwrap();
    let (code, out, err) = run_cli(bin(), &with(&["catalogue", "import", &bad.display().to_string()])).await.unwrap();
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("145"));
    // JSON that is not a list of procedures is refused with a clear message.
    let junk = dir.join("junk.json");
    std::fs::write(&junk, "{\"x\": 1}").unwrap();
    let (code, _, err) = run_cli(bin(), &with(&["catalogue", "import", &junk.display().to_string()])).await.unwrap();
    assert_ne!(code, 0);
    assert!(err.contains("mảng thủ tục"));
    s.stop().await.unwrap();
}

#[tokio::test]
async fn restart_on_existing_data_keeps_everything() {
    let s = server(Backend::Sqlite).await;
    let data = s.data.clone();
    s.stop().await.unwrap();
    let again = TestServer::start_on(Backend::Sqlite, bin(), data, None, &[]).await.unwrap();
    let h: serde_json::Value =
        again.client().get(format!("{}/healthz", again.url)).send().await.unwrap().json().await.unwrap();
    assert_eq!(h["procedures"], 144);
    again.stop().await.unwrap();
}

/// The demo history is made by the real state machine: the chain verifies and the mix of
/// outcomes is there for pages and dashboards.
#[tokio::test]
async fn demo_history_is_real_history() {
    let data = fresh_data_dir().unwrap();
    let s =
        TestServer::start_on(Backend::Sqlite, bin(), data.clone(), None, &["--demo-dossiers", "300"]).await.unwrap();
    let (code, out, _) = run_cli(bin(), &args(&["audit", "verify"], &data)).await.unwrap();
    assert_eq!(code, 0, "{out}");
    // 300 dossiers, a field report for every 25 of them, and last year's digital-transformation
    // round with its 26 units' assessments (16 departments, 10 demo communes) and the province's
    // signed decision announcing it (signed before the server's first page).
    assert!(out.contains(&format!("của {} hồ sơ, phản ánh và bộ dữ liệu", 300 + 12 + 1 + 26 + 1)), "{out}");
    let c = s.client();
    let r = c
        .post(format!("{}/api/v1/session", s.url))
        .json(&serde_json::json!({ "login": "lanhdao@tinhso.local", "password": "TuyenQuang-demo-2025" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: serde_json::Value =
        c.get(format!("{}/api/v1/dossiers?limit=200", s.url)).send().await.unwrap().json().await.unwrap();
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 200);
    let states: std::collections::HashSet<&str> = items.iter().map(|d| d["state"].as_str().unwrap()).collect();
    assert!(states.contains("returned") && states.len() >= 3, "{states:?}");
    let late = items.iter().filter(|d| d["timeliness"] == "late").count();
    assert!(late > 0, "some dossiers are late");
    s.stop().await.unwrap();
}
