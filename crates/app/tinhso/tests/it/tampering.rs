//! Tampering with the history in the database, as an insider with the database's password
//! would: an event edited, reordered or relabelled, a dossier's row edited or deleted, a row
//! unlinked from its first event, a checkpoint edited, a lane's head renamed, entries deleted
//! in the middle or at the end; `tinhso audit verify` names each, and passes again once undone.

use crate::dossier::{generic_form, verify, Caller, PASSWORD, PROVINCIAL};
use crate::{bin, server};
use serde_json::json;
use tinhso_testkit::server::run_cli;
use tinhso_testkit::{Backend, TestServer};

on_both_backends!(tampering_is_detected_on_sqlite, tampering_is_detected_on_postgres, tampering);

async fn tampering(s: TestServer) {
    let citizen = Caller::login(&s, "0912345678", PASSWORD).await;
    let desk = Caller::login(&s, "tiepnhan@tinhso.local", PASSWORD).await;
    let (_, units) = citizen.get("/api/v1/units?limit=1").await;
    let commune = units["items"][0]["code"].as_u64().unwrap();
    for _ in 0..3 {
        let (_, d) =
            citizen.post("/api/v1/dossiers", json!({ "procedure": PROVINCIAL, "form": generic_form(commune) })).await;
        desk.act(d["code"].as_str().unwrap(), json!({ "action": "receive" })).await;
    }
    let (c0, o0) = verify(&s).await;
    assert_eq!(c0, 0, "{o0}");
    // The dossiers' events follow the province's set-up entries (lane `admin`); `id(n)` is the
    // n-th of them, the first submission's being 1.
    let before = s
        .query_i64("SELECT CAST(min(id) - 1 AS BIGINT) FROM dossier_event WHERE dossier_code NOT LIKE 'admin/%'")
        .await
        .unwrap();
    let id = |n: i64| before + n;
    let (e1, e2, e3, e4) = (id(1), id(2), id(3), id(4));

    // Edit: a reason rewritten in place.
    s.exec_sql(&format!(
        "UPDATE dossier_event SET payload = replace(payload, 'received', 'receivedX') WHERE id = {e2}"
    ))
    .await
    .unwrap();
    let (code, out) = verify(&s).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&format!("#{e2}")) && out.contains("đã bị sửa"), "{out}");
    s.exec_sql(&format!(
        "UPDATE dossier_event SET payload = replace(payload, 'receivedX', 'received') WHERE id = {e2}"
    ))
    .await
    .unwrap();
    assert_eq!(verify(&s).await.0, 0, "restored");

    // Reorder: two events swap their ids.
    s.exec_sql(&format!("UPDATE dossier_event SET id = 1000 WHERE id = {e3}")).await.unwrap();
    s.exec_sql(&format!("UPDATE dossier_event SET id = {e3} WHERE id = {e4}")).await.unwrap();
    s.exec_sql(&format!("UPDATE dossier_event SET id = {e4} WHERE id = 1000")).await.unwrap();
    let (code, out) = verify(&s).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&format!("#{e3}")), "{out}");
    s.exec_sql(&format!("UPDATE dossier_event SET id = 1000 WHERE id = {e3}")).await.unwrap();
    s.exec_sql(&format!("UPDATE dossier_event SET id = {e3} WHERE id = {e4}")).await.unwrap();
    s.exec_sql(&format!("UPDATE dossier_event SET id = {e4} WHERE id = 1000")).await.unwrap();
    assert_eq!(verify(&s).await.0, 0, "restored");

    // The columns the history pages read beside the hashed payload: visibility, then kind
    // (which would hide the event from the dossier's history).
    s.exec_sql(&format!("UPDATE dossier_event SET public = NOT public WHERE id = {e2}")).await.unwrap();
    let (code, out) = verify(&s).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&format!("#{e2}")) && out.contains("công khai"), "{out}");
    s.exec_sql(&format!("UPDATE dossier_event SET public = NOT public WHERE id = {e2}")).await.unwrap();
    s.exec_sql(&format!("UPDATE dossier_event SET kind = 'submitted' WHERE id = {e2}")).await.unwrap();
    let (code, out) = verify(&s).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&format!("#{e2}")), "{out}");
    s.exec_sql(&format!("UPDATE dossier_event SET kind = 'received' WHERE id = {e2}")).await.unwrap();
    assert_eq!(verify(&s).await.0, 0, "restored");
    // The dossier rows every page, list and lookup reads: a state, a due date or a body
    // edited without an event, then a row deleted.
    let first: String = desk.get("/api/v1/dossiers?limit=1").await.1["items"][0]["code"].as_str().unwrap().to_owned();
    let sqlite = s.backend == Backend::Sqlite;
    let edits = [
        ("state", "state = 'returned'", "state = 'received'"),
        (
            "due_on",
            "due_on = '2099-01-01'",
            if sqlite { "due_on = json_extract(body, '$.due_on')" } else { "due_on = (body->>'due_on')::date" },
        ),
        (
            "body",
            if sqlite {
                "body = json_set(body, '$.supplement_requests', 1)"
            } else {
                "body = jsonb_set(body, '{supplement_requests}', '1')"
            },
            if sqlite {
                "body = json_set(body, '$.supplement_requests', 0)"
            } else {
                "body = jsonb_set(body, '{supplement_requests}', '0')"
            },
        ),
        // The e-form: not folded from events, but its digest is in the `Submitted` event.
        (
            "form",
            if sqlite {
                "form = json_set(form, '$.them', 'khai thêm')"
            } else {
                "form = form || '{\"them\": \"khai thêm\"}'"
            },
            if sqlite { "form = json_remove(form, '$.them')" } else { "form = form - 'them'" },
        ),
        // The phone the public lookup asks for: its digest is in the `Submitted` event too.
        ("applicant_phone", "applicant_phone = '0987654321'", "applicant_phone = '0912345678'"),
        // A person's own dossier made to turn up in a company's search at the desk.
        ("tax_code", "tax_code = '0100233488'", "tax_code = NULL"),
        // Someone else's dossier made to turn up in an officer's own list.
        (
            "assignee",
            "assignee = 424242",
            if sqlite {
                "assignee = json_extract(body, '$.assignee')"
            } else {
                "assignee = (body->>'assignee')::bigint"
            },
        ),
    ];
    for (column, edit, undo) in edits {
        s.exec_sql(&format!("UPDATE dossier SET {edit} WHERE code = '{first}'")).await.unwrap();
        let (code, out) = verify(&s).await;
        assert_eq!(code, 1, "{column}: {out}");
        assert!(
            out.contains(&first) && out.contains(&format!("cột {column}")) && out.contains("ngoài hệ thống"),
            "{out}"
        );
        s.exec_sql(&format!("UPDATE dossier SET {undo} WHERE code = '{first}'")).await.unwrap();
        assert_eq!(verify(&s).await.0, 0, "restored after {column}");
    }
    // A row deleted, past the foreign keys that name it (as a database owner could).
    s.exec_sql_unchecked(&format!(
        "CREATE TABLE kept AS SELECT * FROM dossier WHERE code = '{first}'; DELETE FROM dossier WHERE code = '{first}';"
    ))
    .await
    .unwrap();
    let (code, out) = verify(&s).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("nhưng chỉ còn") && out.contains("có bản ghi đã bị xóa"), "{out}");
    s.exec_sql_unchecked("INSERT INTO dossier SELECT * FROM kept; DROP TABLE kept;").await.unwrap();
    assert_eq!(verify(&s).await.0, 0, "restored after the deletion");
    if s.backend == Backend::Sqlite {
        // SQLite finds a dossier's first event through its row.
        s.exec_sql(&format!("UPDATE dossier SET first_event = {e3} WHERE first_event = {e1}")).await.unwrap();
        let (code, out) = verify(&s).await;
        assert_eq!(code, 1, "{out}");
        assert!(out.contains("không còn trỏ"), "{out}");
        s.exec_sql(&format!("UPDATE dossier SET first_event = {e1} WHERE first_event = {e3} AND code <> (SELECT dossier_code FROM dossier_event WHERE id = {e3})")).await.unwrap();
        assert_eq!(verify(&s).await.0, 0, "restored");
    }

    // The provincial checkpoint chain: recorded on demand, each checkpoint hashed over the last.
    let (code, out, _) =
        run_cli(bin(), &[vec!["audit".into(), "checkpoint".into()], s.data_args()].concat()).await.unwrap();
    assert_eq!(code, 0, "{out}");
    // (The server recorded the first at start, over the set-up's entries.)
    assert!(out.contains("Đã ghi điểm kiểm tra số 2") && out.contains("sha256"), "{out}");
    s.exec_sql("UPDATE chain_checkpoint SET at = at || 'x'").await.unwrap();
    let (code, out) = verify(&s).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("điểm kiểm tra") && out.contains("số 1"), "{out}");
    s.exec_sql("UPDATE chain_checkpoint SET at = substr(at, 1, length(at) - 1)").await.unwrap();
    assert_eq!(verify(&s).await.0, 0, "restored");
    // A lane's head row taken away (renamed): its entries are no longer anchored.
    let lane = format!("(SELECT lane FROM dossier_event WHERE id = {e1})");
    s.exec_sql(&format!("UPDATE chain_lane SET lane = 'khac' WHERE lane = {lane}")).await.unwrap();
    let (code, out) = verify(&s).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("không còn bản ghi đầu chuỗi"), "{out}");
    s.exec_sql(&format!("UPDATE chain_lane SET lane = {lane} WHERE lane = 'khac'")).await.unwrap();
    assert_eq!(verify(&s).await.0, 0, "restored");

    // Delete in the middle, then the newest.
    s.exec_sql(&format!("DELETE FROM dossier_event WHERE id = {}", id(5))).await.unwrap();
    let (code, out) = verify(&s).await;
    assert_eq!(code, 1);
    let (e6, e4) = (format!("#{}", id(6)), format!("#{e4}"));
    assert!(out.contains(&e4) && out.contains(&e6) && out.contains("xóa"), "{out}");
    s.stop().await.unwrap();

    let s2 = server(Backend::Sqlite).await;
    let citizen = Caller::login(&s2, "0912345678", PASSWORD).await;
    citizen.post("/api/v1/dossiers", json!({ "procedure": PROVINCIAL, "form": generic_form(commune) })).await;
    citizen.post("/api/v1/dossiers", json!({ "procedure": PROVINCIAL, "form": generic_form(commune) })).await;
    let (code, _, _) =
        run_cli(bin(), &[vec!["audit".into(), "checkpoint".into()], s2.data_args()].concat()).await.unwrap();
    assert_eq!(code, 0);
    let first = s2
        .query_i64("SELECT CAST(min(id) AS BIGINT) FROM dossier_event WHERE dossier_code NOT LIKE 'admin/%'")
        .await
        .unwrap();
    let second = first + 1;
    s2.exec_sql(&format!("DELETE FROM dossier_event WHERE id = {second}")).await.unwrap();
    let (code, out) = verify(&s2).await;
    assert_eq!(code, 1);
    assert!(out.contains("mới nhất đã bị xóa"), "{out}");
    // The head rewound as well: the checkpoint still names the lost entry.
    s2.exec_sql(&format!(
        "UPDATE chain_lane SET last_seq = 1, last_id = {first}, hash = (SELECT hash FROM dossier_event WHERE id = {first}) \
         WHERE lane = (SELECT lane FROM dossier_event WHERE id = {first})",
    ))
    .await
    .unwrap();
    let (code, out) = verify(&s2).await;
    assert_eq!(code, 1);
    assert!(out.contains("mới nhất đã bị xóa"), "{out}");
    s2.stop().await.unwrap();
}
