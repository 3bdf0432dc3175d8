//! The integrity check as auditors meet it, without a shell on the server: the server checks
//! the whole history on its schedule (at start when never checked), an auditor can ask for a
//! check on `/quan-tri/kiem-tra` and reads what each found; when data was changed behind the
//! platform, the check names it and every auditor and province admin is told in their notices.

use crate::journey::{csrf, page_login};
use reqwest::StatusCode;
use tinhso_testkit::server::{fresh_data_dir, fresh_pg_database};
use tinhso_testkit::{Backend, TestServer};

#[tokio::test]
async fn integrity_checks_run_on_schedule_and_on_request_sqlite() {
    story(Backend::Sqlite).await;
}

#[tokio::test]
async fn integrity_checks_run_on_schedule_and_on_request_postgres() {
    story(Backend::Postgres).await;
}

/// The table rows of the checks page, newest first.
fn runs(html: &str) -> Vec<String> {
    let table = html.split("<tbody>").nth(1).and_then(|t| t.split("</tbody>").next()).unwrap_or_default();
    table.split("<tr").skip(1).map(str::to_owned).collect()
}

/// Reads the page until it shows `n` checks and none under way (each check of a small
/// province takes well under a second; a minute means it never ran).
async fn page_with(s: &TestServer, c: &reqwest::Client, n: usize) -> String {
    for _ in 0..240 {
        let html = c.get(format!("{}/quan-tri/kiem-tra", s.url)).send().await.unwrap().text().await.unwrap();
        if runs(&html).len() >= n && !html.contains("id=\"dang-kiem-tra\"") {
            return html;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    panic!("the page never showed {n} finished checks");
}

async fn story(backend: Backend) {
    let database = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(fresh_pg_database().await.unwrap()),
    };
    let s = TestServer::start_on(backend, crate::bin(), fresh_data_dir().unwrap(), database, &["--audit-hours", "24"])
        .await
        .unwrap();
    let auditor = page_login(&s, "kiemtra@tinhso.local").await;
    let url = format!("{}/quan-tri/kiem-tra", s.url);

    // The server's own check at start: intact, with the checkpoint to compare with the copy
    // kept outside.
    let html = page_with(&s, &auditor, 1).await;
    let first = &runs(&html)[0];
    assert!(first.contains("Lịch tự động của máy chủ") && first.contains("Toàn vẹn"), "{first}");
    assert!(first.contains("sha256"), "{first}");
    // Monitoring reads the same from /metrics (Prometheus's own parser).
    let watched = || async {
        let text = reqwest::get(format!("{}/metrics", s.url)).await.unwrap().text().await.unwrap();
        let m = crate::metrics::parse(&text);
        let ran = crate::metrics::value(&m, "tinhso_audit_last_run_timestamp_seconds", &[]);
        (crate::metrics::value(&m, "tinhso_audit_last_intact", &[]), ran)
    };
    let (intact, ran) = watched().await;
    assert_eq!(intact, 1.0);
    assert!((ran - chrono::Utc::now().timestamp() as f64).abs() < 600.0, "ran just now: {ran}");

    // Who may not: a leader reads nothing, a citizen neither; a request without the form's
    // token asks for nothing.
    let leader = page_login(&s, "lanhdao@tinhso.local").await;
    assert_eq!(leader.get(&url).send().await.unwrap().status(), StatusCode::FORBIDDEN);
    let citizen = page_login(&s, "0912345678").await;
    assert_eq!(citizen.get(&url).send().await.unwrap().status(), StatusCode::FORBIDDEN);
    let token = csrf(&html);
    let r = leader
        .post(&url)
        .form(&[("csrf", csrf(&leader.get(format!("{}/", s.url)).send().await.unwrap().text().await.unwrap()))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "a leader cannot ask for a check");
    let r = auditor.post(&url).form(&[("csrf", "sai")]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(runs(&page_with(&s, &auditor, 1).await).len(), 1, "nothing was asked");

    // A day off added to 2026 in the database, behind the platform; the auditor asks.
    let add_day = match backend {
        Backend::Sqlite => {
            "UPDATE calendar_year SET body = json_insert(body, '$.days_off[#]', \
             json('{\"date\":\"2026-12-07\",\"name\":\"Nghỉ\"}')) WHERE year = 2026"
        }
        Backend::Postgres => {
            "UPDATE calendar_year SET body = jsonb_set(body, '{days_off}', (body->'days_off') || \
             '{\"date\":\"2026-12-07\",\"name\":\"Nghỉ\"}'::jsonb) WHERE year = 2026"
        }
    };
    s.exec_sql(add_day).await.unwrap();
    let r = auditor.post(&url).form(&[("csrf", token.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.url().path(), "/quan-tri/kiem-tra");
    let html = page_with(&s, &auditor, 2).await;
    let newest = &runs(&html)[0];
    assert!(newest.contains("Phát hiện bất thường") && newest.contains("lịch làm việc năm 2026"), "{newest}");
    assert!(newest.contains("class=\"alert\""), "{newest}");
    assert!(!newest.contains("Lịch tự động"), "asked by the auditor, named: {newest}");
    assert_eq!(watched().await.0, 0.0, "monitoring sees the break");

    // Every auditor and province admin is told; others are not.
    let admin = page_login(&s, "quantri@tinhso.local").await;
    for (who, told) in [(&auditor, true), (&admin, true), (&leader, false)] {
        let inbox = who.get(format!("{}/thong-bao", s.url)).send().await.unwrap().text().await.unwrap();
        assert_eq!(inbox.contains("dữ liệu bị sửa ngoài hệ thống"), told, "{inbox:.2000}");
    }
    // The province admin reads the page too, in English as well.
    let r = admin.get(format!("{}/ngon-ngu/en", s.url)).send().await.unwrap();
    assert!(r.status().is_success());
    let english = admin.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(english.contains("Broken: the working calendar of 2026"), "{english:.3000}");
    s.stop().await.unwrap();
}
