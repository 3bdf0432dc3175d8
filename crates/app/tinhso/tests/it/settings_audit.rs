//! What administrators set (the working calendar every deadline counts on, the procedures and
//! their fees, the report categories and who handles them, the citizens' upload limits, the
//! Open311 clients' keys) is
//! vouched for by the administrators' log: a change made on the platform's pages passes
//! `tinhso audit verify`; the same kind of change made in the database, behind the platform,
//! makes it fail and name the setting, as an auditor would need.

use crate::dossier::{Caller, PASSWORD};
use reqwest::StatusCode;
use tinhso_testkit::{Backend, TestServer};

on_both_backends!(
    settings_changed_behind_the_platform_are_found_sqlite,
    settings_changed_behind_the_platform_are_found_postgres,
    story
);

/// `tinhso audit verify`'s exit code and what it printed.
async fn audit(s: &TestServer) -> (i32, String) {
    let args = [vec!["audit".to_owned(), "verify".to_owned()], s.data_args()].concat();
    let (code, out, err) = tinhso_testkit::server::run_cli(crate::bin(), &args).await.unwrap();
    (code, format!("{out}{err}"))
}

/// Runs `tamper` behind the platform; the audit must fail naming `named`; `undo` puts the
/// database back, after which it must pass again.
async fn found(s: &TestServer, tamper: &str, named: &str, undo: &str) {
    s.exec_sql_unchecked(tamper).await.unwrap();
    let (code, out) = audit(s).await;
    assert_eq!(code, 1, "{tamper}: {out}");
    assert!(out.contains(named) && out.contains("ngoài hệ thống"), "{tamper}: expected «{named}» in {out}");
    s.exec_sql_unchecked(undo).await.unwrap();
    let (code, out) = audit(s).await;
    assert_eq!(code, 0, "after undoing {tamper}: {out}");
}

async fn story(s: TestServer) {
    let pg = s.backend == Backend::Postgres;
    // A fresh province: its calendar and catalogue were recorded by the platform at set-up, and
    // the audit says how much it held to the log (70 demo staff; 144 procedures, 3 years, 12
    // categories, the routing table, the limits, the province with its agencies).
    let (code, out) = audit(&s).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Khớp nhật ký quản trị: 70 tài khoản, 162 cấu hình"), "{out}");

    // A change through the platform's page is vouched for.
    let admin = Caller::login(&s, "quantri@tinhso.local", PASSWORD).await;
    let url = format!("{}/quan-tri/tai-len", s.url);
    let html = admin.c.get(&url).send().await.unwrap().text().await.unwrap();
    let csrf = html.split("name=\"csrf\" value=\"").nth(1).and_then(|t| t.split('"').next()).unwrap().to_owned();
    let form = [("csrf", csrf.as_str()), ("per_day_mb", "20"), ("total_mb", "300")];
    let r = admin.c.post(&url).form(&form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (code, out) = audit(&s).await;
    assert_eq!(code, 0, "{out}");

    // A day off added to 2026 in the database would move every deadline counted over it.
    let (add_day, drop_day) = if pg {
        (
            "UPDATE calendar_year SET body = jsonb_set(body, '{days_off}', (body->'days_off') || \
             '{\"date\":\"2026-12-07\",\"name\":\"Nghỉ\"}'::jsonb) WHERE year = 2026",
            "UPDATE calendar_year SET body = body #- '{days_off,-1}' WHERE year = 2026",
        )
    } else {
        (
            "UPDATE calendar_year SET body = json_insert(body, '$.days_off[#]', \
             json('{\"date\":\"2026-12-07\",\"name\":\"Nghỉ\"}')) WHERE year = 2026",
            "UPDATE calendar_year SET body = json_remove(body, '$.days_off[#-1]') WHERE year = 2026",
        )
    };
    found(&s, add_day, "lịch làm việc năm 2026", drop_day).await;

    // A procedure's fee edited, then a procedure taken away; both put back from a copy.
    s.exec_sql_unchecked("CREATE TABLE kept_procedure AS SELECT * FROM procedure").await.unwrap();
    let restore = "UPDATE procedure SET body = (SELECT k.body FROM kept_procedure k WHERE k.code = procedure.code)";
    let fee = if pg {
        "UPDATE procedure SET body = jsonb_set(body, '{fee,amount_vnd}', '1') WHERE code = (SELECT min(code) FROM procedure)"
    } else {
        "UPDATE procedure SET body = json_set(body, '$.fee.amount_vnd', 1) WHERE code = (SELECT min(code) FROM procedure)"
    };
    found(&s, fee, "thủ tục", restore).await;
    found(
        &s,
        "DELETE FROM procedure WHERE code = (SELECT max(code) FROM procedure)",
        "đã bị xóa",
        "INSERT INTO procedure SELECT * FROM kept_procedure WHERE code NOT IN (SELECT code FROM procedure)",
    )
    .await;

    // A procedure's history rewritten (the fee it had at set-up), then its only version deleted
    // while the procedure stands: each named, each put back.
    s.exec_sql_unchecked("CREATE TABLE kept_version AS SELECT * FROM procedure_version").await.unwrap();
    let first = "(SELECT min(id) FROM procedure_version)";
    let rewrite = if pg {
        format!("UPDATE procedure_version SET body = jsonb_set(body, '{{fee,amount_vnd}}', '1') WHERE id = {first}")
    } else {
        format!("UPDATE procedure_version SET body = json_set(body, '$.fee.amount_vnd', 1) WHERE id = {first}")
    };
    let put_back =
        "UPDATE procedure_version SET body = (SELECT k.body FROM kept_version k WHERE k.id = procedure_version.id)";
    found(&s, &rewrite, "lịch sử các phiên bản của thủ tục", put_back).await;
    found(
        &s,
        &format!("DELETE FROM procedure_version WHERE id = {first}"),
        "lịch sử các phiên bản của thủ tục",
        "INSERT INTO procedure_version SELECT * FROM kept_version WHERE id NOT IN (SELECT id FROM procedure_version)",
    )
    .await;

    // A year's calendar history rewritten (the set-up's 2026 without its first day off).
    s.exec_sql_unchecked("CREATE TABLE kept_calendar AS SELECT * FROM calendar_version").await.unwrap();
    let year_first = "(SELECT min(id) FROM calendar_version WHERE year = 2026)";
    let rewrite = if pg {
        format!("UPDATE calendar_version SET body = body #- '{{days_off,0}}' WHERE id = {year_first}")
    } else {
        format!("UPDATE calendar_version SET body = json_remove(body, '$.days_off[0]') WHERE id = {year_first}")
    };
    let put_back =
        "UPDATE calendar_version SET body = (SELECT k.body FROM kept_calendar k WHERE k.id = calendar_version.id)";
    found(&s, &rewrite, "lịch sử các phiên bản của lịch làm việc năm 2026", put_back).await;

    // A category no longer offered, and its reports sent to another agency.
    let toggle = "UPDATE report_category SET active = NOT active WHERE code = 'rac-thai'";
    found(&s, toggle, "lĩnh vực phản ánh rac-thai", toggle).await;
    found(
        &s,
        "INSERT INTO report_route (category, commune, agency) SELECT 'rac-thai', NULL, min(code) FROM agency",
        "phân công xử lý phản ánh",
        "DELETE FROM report_route",
    )
    .await;

    // An agency renamed or moved under another: only the set-up writes them.
    found(
        &s,
        "UPDATE agency SET name = name || ' §' WHERE code = (SELECT min(code) FROM agency)",
        "tỉnh và các cơ quan",
        "UPDATE agency SET name = replace(name, ' §', '')",
    )
    .await;

    // The limits the page set, raised in the database.
    found(
        &s,
        "UPDATE upload_limit SET per_day_mb = 100000",
        "hạn mức tải tệp",
        "UPDATE upload_limit SET per_day_mb = 20",
    )
    .await;

    // An Open311 client's key: issued and revoked at the console pass; a key put in the
    // database, or a revoked one made usable again, is found.
    let cli = |args: &[&str]| {
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).chain(s.data_args()).collect();
        async move { tinhso_testkit::server::run_cli(crate::bin(), &args).await.unwrap() }
    };
    let (code, key, err) = cli(&["open311", "key-create", "Ứng dụng Phường"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(key.trim().len() >= 32, "{key}");
    assert_eq!(audit(&s).await.0, 0);
    let backdoor = if pg { "'\\x00ff'::bytea" } else { "X'00ff'" };
    found(
        &s,
        &format!("INSERT INTO open311_key (hash, name, created_at) VALUES ({backdoor}, 'Cửa sau', '2026-12-01')"),
        "khóa Open311 của Cửa sau",
        "DELETE FROM open311_key WHERE name = 'Cửa sau'",
    )
    .await;
    let (code, _, err) = cli(&["open311", "key-revoke", "Ứng dụng Phường"]).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(audit(&s).await.0, 0);
    found(
        &s,
        "UPDATE open311_key SET revoked_at = NULL WHERE name = 'Ứng dụng Phường'",
        "khóa Open311 của Ứng dụng Phường",
        "UPDATE open311_key SET revoked_at = '2026-12-05' WHERE name = 'Ứng dụng Phường'",
    )
    .await;
    s.stop().await.unwrap();
}
