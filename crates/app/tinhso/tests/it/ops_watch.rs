//! The server's condition told to the province admins in their notices (not only to a
//! Prometheus a small province may not run): a data disk at its reserve, no backup yet, an
//! agency's signing certificate ending in ten days and a key that cannot be read; nobody else
//! is told.

use crate::dossier::{Caller, PASSWORD};
use serde_json::Value;
use tinhso_testkit::server::{fresh_data_dir, fresh_pg_database};
use tinhso_testkit::{Backend, TestServer};

const SUBJECT: &str = "Máy chủ cần quản trị viên xử lý";

async fn told(s: &TestServer, login: &str) -> Vec<String> {
    let (_, inbox): (_, Value) = Caller::login(s, login, PASSWORD).await.get("/api/v1/notifications").await;
    let items = inbox["items"].as_array().unwrap().iter();
    items.filter(|m| m["subject"] == SUBJECT).map(|m| m["body"].as_str().unwrap().to_owned()).collect()
}

async fn the_server_tells_its_admins_what_needs_them(backend: Backend) {
    use tinhso_results_web::signer::demo;
    const JUSTICE: &str = "000.00.03.H08";
    let data = fresh_data_dir().unwrap();
    let keys = data.join("signing-demo");
    std::fs::create_dir_all(&keys).unwrap();
    let (ca_key, ca_der) = demo::ca().unwrap();
    let ends = chrono::Utc::now().date_naive() + chrono::Duration::days(10);
    let until =
        (chrono::Datelike::year(&ends), chrono::Datelike::month(&ends) as u8, chrono::Datelike::day(&ends) as u8);
    let p12 = demo::agency_valid(JUSTICE, (&ca_key, &ca_der), "mat-khau", ((2025, 1, 1), until)).unwrap();
    std::fs::write(keys.join(format!("{JUSTICE}.p12")), p12).unwrap();
    std::fs::write(keys.join(format!("{JUSTICE}.pass")), "mat-khau").unwrap();
    std::fs::write(keys.join("000.00.90.H08.p12"), b"hong").unwrap();
    let backups = fresh_data_dir().unwrap();
    let database = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(fresh_pg_database().await.unwrap()),
    };
    let args = ["--disk-reserve-mb", "100000000", "--backup-dir", backups.to_str().unwrap()];
    let s = TestServer::start_on(backend, crate::bin(), data, database, &args).await.unwrap();
    // The watch runs as the server starts: wait for its four notices (a few seconds at most).
    let mut bodies = Vec::new();
    for _ in 0..100 {
        bodies = told(&s, "quantri@tinhso.local").await;
        if bodies.len() >= 4 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let has = |words: &str| bodies.iter().filter(|b| b.contains(words)).count();
    assert_eq!(bodies.len(), 4, "{bodies:#?}");
    assert_eq!(has("đã xuống mức dự phòng"), 1, "the disk: {bodies:#?}");
    assert_eq!(has("Chưa có bản sao lưu hoàn chỉnh nào"), 1, "the backups: {bodies:#?}");
    assert_eq!(has("Chứng thư số của Sở Tư pháp hết hạn ngày"), 1, "ending: {bodies:#?}");
    assert_eq!(has(&tinhso_kernel::format::date_vi(ends)), 1, "its day: {bodies:#?}");
    assert_eq!(has("Không đọc được khóa ký số 000.00.90.H08.p12"), 1, "unreadable: {bodies:#?}");
    for other in ["kiemtra@tinhso.local", "lanhdao@tinhso.local", "pheduyet@tinhso.local"] {
        assert!(told(&s, other).await.is_empty(), "{other} is not told");
    }
    // The admin's page of the server says the same, what needs them first.
    let page = |login: &'static str| {
        let s = &s;
        async move {
            let c = crate::journey::page_login(s, login).await;
            let r = c.get(format!("{}/quan-tri/may-chu", s.url)).send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    let (st, html) = page("quantri@tinhso.local").await;
    assert_eq!(st, reqwest::StatusCode::OK);
    let needs = html.find("Cần quản trị viên xử lý").expect("a list of concerns");
    for words in
        ["đã xuống mức dự phòng", "Chưa có bản sao lưu hoàn chỉnh nào", "hết hạn ngày", "Không đọc được khóa ký số"]
    {
        assert!(html.find(words).is_some_and(|at| at > needs), "{words}: {html:.6000}");
    }
    assert_eq!(page("kiemtra@tinhso.local").await.0, reqwest::StatusCode::FORBIDDEN);
    s.stop().await.unwrap();
}

#[tokio::test]
async fn the_server_tells_its_admins_what_needs_them_on_sqlite() {
    the_server_tells_its_admins_what_needs_them(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_server_tells_its_admins_what_needs_them_on_postgres() {
    the_server_tells_its_admins_what_needs_them(Backend::Postgres).await;
}
