//! The operations centre on SQLite and PostgreSQL: aggregates kept with the events, the
//! Decision 766 API with known answers, the check command, dashboards, exports, transparency.

use crate::bin;
use crate::dossier::{generic_form, Caller, PASSWORD, PROVINCIAL};
use chrono::Datelike;
use reqwest::StatusCode;
use serde_json::{json, Value};
use tinhso_testkit::server::{fresh_data_dir, run_cli};
use tinhso_testkit::{Backend, TestServer};

const JUSTICE: &str = "000.00.03.H08";

pub(crate) fn indicator<'a>(v: &'a Value, key: &str) -> &'a Value {
    v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["indicators"].as_array().unwrap())
        .find(|i| i["key"] == key)
        .unwrap()
}

fn input(i: &Value, measure: &str) -> f64 {
    i["inputs"].as_array().unwrap().iter().find(|x| x["measure"] == measure).unwrap()["value"].as_f64().unwrap()
}

async fn check(s: &TestServer) -> (i32, String) {
    let (code, out, err) = run_cli(bin(), &[vec!["ioc".into(), "check".into()], s.data_args()].concat()).await.unwrap();
    (code, format!("{out}{err}"))
}

on_both_backends!(index_on_sqlite, index_on_postgres, index_story);

async fn index_story(s: TestServer) {
    let citizen = Caller::login(&s, "0912345678", PASSWORD).await;
    let desk = Caller::login(&s, "tiepnhan@tinhso.local", PASSWORD).await;
    let specialist = Caller::login(&s, "chuyenvien@tinhso.local", PASSWORD).await;
    let approver = Caller::login(&s, "pheduyet@tinhso.local", PASSWORD).await;
    let submit = || citizen.post("/api/v1/dossiers", json!({ "procedure": PROVINCIAL, "form": generic_form(2269) }));
    // Three online dossiers at the Department of Justice: one finished early with an electronic
    // result, paid online and rated dissatisfied; one withdrawn; one refused at the desk.
    let codes: Vec<String> = {
        let mut v = Vec::new();
        for _ in 0..3 {
            v.push(submit().await.1["code"].as_str().unwrap().to_owned());
        }
        v
    };
    let (done, withdrawn, refused) = (&codes[0], &codes[1], &codes[2]);
    for code in [done, withdrawn] {
        assert_eq!(desk.act(code, json!({ "action": "receive" })).await.0, StatusCode::OK);
    }
    assert_eq!(desk.act(refused, json!({ "action": "refuse", "reason": "Sai thẩm quyền" })).await.0, StatusCode::OK);
    assert_eq!(citizen.act(withdrawn, json!({ "action": "withdraw", "reason": "" })).await.0, StatusCode::OK);
    specialist.act(done, json!({ "action": "start_processing" })).await;
    specialist.act(done, json!({ "action": "request_payment", "amount_vnd": 8000 })).await;
    desk.act(done, json!({ "action": "record_payment", "online": true })).await;
    specialist.act(done, json!({ "action": "complete_step", "note": "Đủ điều kiện" })).await;
    let (st, d) = approver.act(done, json!({ "action": "approve", "electronic_result": true })).await;
    assert_eq!((st, d["timeliness"].as_str()), (StatusCode::OK, Some("early")));
    desk.act(done, json!({ "action": "return", "method": "online" })).await;
    citizen.act(done, json!({ "action": "rate", "rating": "dissatisfied", "comment": "Chờ lâu" })).await;

    // The index from the aggregates, with known answers.
    let anon = s.client();
    let get = |q: String| {
        let anon = anon.clone();
        let url = format!("{}/api/v1/ioc/index?{q}", s.url);
        async move {
            let r = anon.get(url).send().await.unwrap();
            (r.status(), r.json::<Value>().await.unwrap())
        }
    };
    let (st, v) = get(format!("unit={JUSTICE}")).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["unit_name"], "Sở Tư pháp");
    let on_time = indicator(&v, "2.1");
    assert_eq!((input(on_time, "on_time"), input(on_time, "finished")), (1.0, 1.0));
    assert_eq!((on_time["rate"].as_f64(), on_time["points"].as_f64()), (Some(1.0), Some(14.0)));
    let online = indicator(&v, "3.3");
    // The one refused at the desk was never received.
    assert_eq!((input(online, "online"), input(online, "received")), (2.0, 2.0));
    let paid = indicator(&v, "3.6");
    assert_eq!((input(paid, "paid_online"), input(paid, "paid"), paid["points"].as_f64()), (1.0, 1.0, Some(5.0)));
    assert_eq!(indicator(&v, "4.1")["rate"].as_f64(), Some(1.0));
    // 5.4: 1 - (0 late + 1 dissatisfied) / 1 finished = 0.
    assert_eq!(indicator(&v, "5.4")["points"].as_f64(), Some(0.0));
    assert_eq!(indicator(&v, "1.2")["source"], "missing");
    let sum: f64 = v["groups"].as_array().unwrap().iter().map(|g| g["points"].as_f64().unwrap()).sum();
    assert!((v["total"].as_f64().unwrap() - sum).abs() < 0.01);
    // The province adds up the same dossiers; a commune with none is "not applicable".
    let (_, p) = get("unit=province".into()).await;
    assert_eq!(input(indicator(&p, "3.3"), "received"), 2.0);
    let (_, c) = get("unit=2269".into()).await;
    assert_eq!(indicator(&c, "2.1")["source"], "not_applicable");
    // A period before the dossiers has none of them.
    let (_, old) = get(format!("unit={JUSTICE}&from=2024-01-01&to=2024-12-31")).await;
    assert_eq!(input(indicator(&old, "3.3"), "received"), 0.0);
    // Bad input: a clear {code, message}.
    for (q, code) in [
        ("from=2026-02-30", "invalid_date"),
        ("from=2026-05-01&to=2026-01-01", "invalid_period"),
        ("unit=000.00.99.H08", "unknown_unit"),
        ("colour=red", "invalid_query"),
    ] {
        let (st, v) = get(q.into()).await;
        assert_eq!((st, v["code"].as_str()), (StatusCode::BAD_REQUEST, Some(code)), "{q}: {v}");
        assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()));
    }

    // The check recomputes from the events; a tampered counter is named.
    let (code, out) = check(&s).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("khớp") && out.contains("3 hồ sơ"), "{out}");
    s.exec_sql("UPDATE ioc_aggregate SET value = value + 5 WHERE grain = 'd' AND measure = 'online'").await.unwrap();
    let (code, out) = check(&s).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(JUSTICE) && out.contains("online") && out.contains("lưu 7, tính lại 2"), "{out}");
    s.stop().await.unwrap();
}

/// Every dossier a drill-down lists, following its pages to the end: (the lead's total, codes).
async fn drill_all(leader: &Caller, s: &TestServer, query: &str) -> (usize, Vec<String>) {
    let mut url = format!("{}/dieu-hanh/ho-so?{query}", s.url);
    let (mut total, mut codes) = (None, Vec::new());
    loop {
        let r = leader.c.get(&url).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{url}");
        let html = r.text().await.unwrap();
        let lead = html.split("<p class=\"lead\">").nth(1).and_then(|l| l.split("</p>").next()).unwrap().to_owned();
        let n = lead.split("<strong>").nth(1).and_then(|t| t.split("</strong>").next()).unwrap().replace('.', "");
        assert_eq!(*total.get_or_insert(n.parse::<usize>().unwrap()), n.parse::<usize>().unwrap(), "{lead}");
        codes.extend(html.split("<td><a href=\"/ho-so/").skip(1).map(|c| c.split('"').next().unwrap().to_owned()));
        // Feedback counts (766 group 5) open onto reports.
        codes.extend(
            html.split("<td><a href=\"/phan-anh/").skip(1).map(|c| format!("PA-{}", c.split('"').next().unwrap())),
        );
        match html.split("rel=\"next\" href=\"").nth(1) {
            Some(next) => {
                url =
                    format!("{}{}", s.url, next.split('"').next().unwrap().replace("&#38;", "&").replace("&amp;", "&"))
            }
            None => break,
        }
    }
    (total.unwrap(), codes)
}

on_both_backends_with_demo!(drill_on_sqlite, drill_on_postgres, drill_story);

/// Every number drills down to exactly the dossiers behind it, page after page, for the
/// province and for one department, whatever the measure; exports hold the same; the check
/// recomputes the member index and notices a row gone.
async fn drill_story(s: TestServer) {
    let leader = Caller::login(&s, "lanhdao@tinhso.local", PASSWORD).await;
    let today = chrono::Utc::now().date_naive();
    let period = format!("tu={}&den={today}", today - chrono::Duration::days(364));
    let mut checked = 0;
    for unit in ["province", JUSTICE] {
        for measure in ["received", "online", "finished", "on_time", "late", "working_days", "rated", "dissatisfied"] {
            let query = format!("{period}&don-vi={unit}&so-lieu={measure}");
            let (total, codes) = drill_all(&leader, &s, &query).await;
            let mut unique = codes.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), codes.len(), "{query}: a dossier listed twice");
            assert_eq!(codes.len(), total, "{query}: the list has as many dossiers as the number");
            let csv = leader.c.get(format!("{}/dieu-hanh/ho-so?{query}&dinh-dang=csv", s.url)).send().await.unwrap();
            let csv = csv.text().await.unwrap();
            assert_eq!(csv.lines().count(), total + 1, "{query}: the export holds them all");
            checked += total;
        }
    }
    assert!(checked > 1_000, "the demo history gives the drill-downs work: {checked}");
    let (province_total, _) = drill_all(&leader, &s, &format!("{period}&don-vi=province&so-lieu=received")).await;
    assert!(province_total > 300, "{province_total}");
    // The same over the API, seven at a time, for integrators; leaders only.
    let (from, to) = (today - chrono::Duration::days(364), today);
    let api = format!("{}/api/v1/ioc/dossiers?unit=province&measure=late&from={from}&to={to}&limit=7", s.url);
    let (late_total, late_codes) = drill_all(&leader, &s, &format!("{period}&don-vi=province&so-lieu=late")).await;
    let (mut listed, mut after) = (Vec::new(), String::new());
    loop {
        let v: Value = leader.c.get(format!("{api}&after={after}")).send().await.unwrap().json().await.unwrap();
        assert_eq!(v["total"].as_u64().unwrap() as usize, late_total, "{v}");
        listed.extend(v["items"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap().to_owned()));
        match v["next"].as_str() {
            Some(n) => after = n.to_owned(),
            None => break,
        }
    }
    assert!(late_total > 7, "several pages: {late_total}");
    assert_eq!(listed, late_codes, "the API lists what the page lists, in the same order");
    assert_eq!(s.client().get(&api).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let citizen = Caller::login(&s, "0912345678", PASSWORD).await;
    assert_eq!(citizen.c.get(&api).send().await.unwrap().status(), StatusCode::FORBIDDEN);
    let bad = leader.c.get(format!("{api}&after=x")).send().await.unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert_eq!(bad.json::<Value>().await.unwrap()["code"], "bad_cursor");
    let r = leader.c.get(format!("{}/dieu-hanh/ho-so?{period}&don-vi=province&so-lieu=late&sau=x", s.url)).send().await;
    assert_eq!(r.unwrap().status(), StatusCode::BAD_REQUEST);
    let (code, out) = check(&s).await;
    assert_eq!(code, 0, "{out}");
    s.exec_sql("DELETE FROM ioc_member WHERE code IN (SELECT code FROM ioc_member WHERE measure = 'late' LIMIT 1)")
        .await
        .unwrap();
    let (code, out) = check(&s).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("hồ sơ chi tiết") && out.contains("late"), "{out}");
    // A database from before the member index (and so from before the per-module migrations,
    // with the single sequence missing the index's step): the old sequence's Rust step fills
    // it from the stored dossiers when the database is adopted, and the lists and the check
    // agree again.
    let (version, last, column) = if s.backend == Backend::Sqlite { (12, 13, "TEXT") } else { (11, 11, "TIMESTAMPTZ") };
    s.exec_sql("DROP TABLE ioc_member").await.unwrap();
    s.exec_sql(&format!("CREATE TABLE schema_migration (version BIGINT PRIMARY KEY, applied_at {column} NOT NULL)"))
        .await
        .unwrap();
    let applied: Vec<String> =
        (1..=last).filter(|v| *v != version).map(|v| format!("({v}, '2025-09-01T00:00:00Z')")).collect();
    s.exec_sql(&format!("INSERT INTO schema_migration VALUES {}", applied.join(", "))).await.unwrap();
    let (backend, data, database) = (s.backend, s.data.clone(), s.database.clone());
    s.stop().await.unwrap();
    let s = TestServer::start_on(backend, bin(), data, database, &[]).await.unwrap();
    let (code, out) = check(&s).await;
    assert_eq!(code, 0, "{out}");
    let leader = Caller::login(&s, "lanhdao@tinhso.local", PASSWORD).await;
    let (total, codes) = drill_all(&leader, &s, &format!("{period}&don-vi=province&so-lieu=received")).await;
    assert_eq!((total, codes.len()), (province_total, province_total));
    s.stop().await.unwrap();
}

/// The demo's year of history passes the check, and the pages leaders and the public use work.
#[tokio::test]
async fn demo_history_dashboards_and_exports() {
    let data = fresh_data_dir().unwrap();
    let s = TestServer::start_on(Backend::Sqlite, bin(), data, None, &["--demo-dossiers", "400"]).await.unwrap();
    let (code, out) = check(&s).await;
    assert_eq!(code, 0, "{out}");
    // Public transparency page and its exports, no login.
    let anon = s.client();
    let html = anon.get(format!("{}/minh-bach", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Công khai kết quả giải quyết") && html.contains("Sở Tư pháp") && html.contains("%"));
    assert!(html.contains("<p class=\"lead\">Từ "), "the lead sentence starts with a capital");
    // The public pages in English for whoever chose it: the transparency page and open data.
    let english = s.client();
    english.get(format!("{}/ngon-ngu/en", s.url)).send().await.unwrap();
    let en = english.get(format!("{}/minh-bach", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(en.contains("How administrative procedures are handled") && en.contains("Dossiers received"));
    let (code, out, err) =
        run_cli(bin(), &[vec!["opendata".into(), "publish".into()], s.data_args()].concat()).await.unwrap();
    assert_eq!(code, 0, "{out}{err}");
    // A server catches up with datasets another process published within a second.
    let mut en = String::new();
    for _ in 0..50 {
        en = english.get(format!("{}/du-lieu", s.url)).send().await.unwrap().text().await.unwrap();
        if en.contains("class=\"result-title\"") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(en.contains("<h1>Open data</h1>") && en.contains("For developers"), "{en:.3000}");
    let dataset = en.split("<a class=\"result-title\" href=\"").nth(1).and_then(|h| h.split('"').next()).expect(&en);
    let en = english.get(format!("{}{dataset}", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(en.contains("Machine-readable metadata") && en.contains("Last updated"), "{en:.3000}");
    let en = english.get(format!("{}/du-lieu/tim?q=ho+so", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(en.contains("Find “ho so”") && en.contains("Best match"), "{en:.3000}");
    let r = anon.get(format!("{}/minh-bach?dinh-dang=csv", s.url)).send().await.unwrap();
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = r.text().await.unwrap();
    assert!(csv.starts_with('\u{feff}') && csv.contains("Đúng hạn") && csv.lines().count() > 100, "{csv:.200}");
    // The page lists every unit of the download once: departments and communes that received
    // dossiers in their tables, the others by name under one line.
    assert!(html.contains("<h2>Sở, ban, ngành tỉnh</h2>") && html.contains("<h2>Xã, phường</h2>"), "{html}");
    let idle = html.split("<details><summary>").nth(1).expect("units without dossiers are listed apart");
    let (summary, names) = idle.split_once("</summary><p>").unwrap();
    let names: Vec<&str> = names.split("</p>").next().unwrap().split("; ").collect();
    assert!(summary.starts_with(&format!("{} cơ quan, xã, phường không tiếp nhận", names.len())), "{summary}");
    let rows = html.matches("<tr><td>").count();
    assert_eq!(rows + names.len(), csv.lines().count() - 1, "every unit once");
    for line in csv.lines().skip(1) {
        // A name with a comma is quoted (RFC 4180); no name holds a quote.
        let name = match line.strip_prefix('"') {
            Some(quoted) => quoted.split('"').next().unwrap(),
            None => line.split(',').next().unwrap(),
        };
        let received = line.rsplit(',').next().unwrap().trim();
        let listed_apart = names.contains(&name);
        assert_eq!(listed_apart, received == "0", "{name}: {received}");
    }
    // Anyone picks another period, typed the Vietnamese way.
    let june = anon.get(format!("{}/minh-bach?tu=01/06/2026&den=30/06/2026", s.url)).send().await.unwrap();
    let june = june.text().await.unwrap();
    assert!(june.contains("Từ 01/06/2026 đến 30/06/2026") && june.contains("name=\"tu\" value=\"01/06/2026\""));
    // A date typed wrong is said on its field, in words, and stays there to be corrected; a
    // period running backwards is said too. The figures meanwhile are the year's.
    for (path, form) in [("/minh-bach", &anon), ("/dieu-hanh", &leader_client(&s).await)] {
        let r = form.get(format!("{}{path}?tu=32/01/2026&den=05/06/2026", s.url)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{path}");
        let html = r.text().await.unwrap();
        assert!(html.contains("<title>Lỗi: "), "{path}");
        assert!(
            html.contains("<p class=\"field-error\" id=\"tu-error\">Từ ngày: tháng 1/2026 không có ngày 32</p>"),
            "{html}"
        );
        assert!(html.contains("name=\"tu\" value=\"32/01/2026\" inputmode=\"numeric\" placeholder=\"dd/mm/yyyy\" aria-invalid=\"true\""), "{html}");
        let r = form.get(format!("{}{path}?tu=05/06/2026&den=01/06/2026", s.url)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{path}");
        assert!(r.text().await.unwrap().contains("id=\"den-error\">Khoảng thời gian không hợp lệ"), "{path}");
    }
    let r = anon.get(format!("{}/minh-bach?dinh-dang=xlsx", s.url)).send().await.unwrap();
    let xlsx = r.bytes().await.unwrap();
    // Read back with openpyxl, a real XLSX reader: Vietnamese headers and numeric counts.
    let path = s.data.join("minh-bach.xlsx");
    std::fs::write(&path, &xlsx).unwrap();
    let script = "import openpyxl,sys; ws=openpyxl.load_workbook(sys.argv[1]).active; \
                  print(ws.cell(1,1).value, ws.cell(1,2).value, ws.max_row, type(ws.cell(2,5).value).__name__)";
    let out = std::process::Command::new("python3").args(["-c", script]).arg(&path).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let parts: Vec<&str> = text.split_whitespace().collect();
    assert_eq!((parts[0], parts[1], parts[2]), ("Đơn", "vị", "Đúng"), "{text}");
    assert!(parts[4].parse::<usize>().unwrap() > 100 && (parts[5] == "int" || parts[5] == "float"), "{text}");
    let r = anon.get(format!("{}/minh-bach?dinh-dang=pdf", s.url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // The dashboard is for leaders.
    let r = anon.get(format!("{}/dieu-hanh", s.url)).send().await.unwrap();
    assert!(r.url().path().starts_with("/dang-nhap") || r.status() == StatusCode::UNAUTHORIZED, "{}", r.url());
    let leader = Caller::login(&s, "lanhdao@tinhso.local", PASSWORD).await;
    let html = leader.c.get(format!("{}/dieu-hanh", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Xếp hạng sở, ngành") && html.contains("<svg") && !html.contains("<script"));
    // The wall screen says when its figures were read and reloads itself (a script the page
    // works without); the desk page above has none.
    let wall = leader.c.get(format!("{}/dieu-hanh?che-do=tuong", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(wall.contains("Số liệu lúc ") && wall.contains("<script src=\"/static/dieu-hanh-tuong.js\" defer>"));
    let js = anon.get(format!("{}/static/dieu-hanh-tuong.js", s.url)).send().await.unwrap();
    assert!(js.headers()["content-type"].to_str().unwrap().starts_with("text/javascript"));
    assert!(js.text().await.unwrap().contains("location.reload()"));
    // The period picker speaks dd/mm/yyyy, as people write dates.
    let r = leader.c.get(format!("{}/dieu-hanh?tu=01%2F01%2F2025&den=31%2F12%2F2025", s.url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let picked = r.text().await.unwrap();
    assert!(picked.contains("value=\"01/01/2025\"") && picked.contains("từ 01/01/2025 đến 31/12/2025"));
    let citizen = Caller::login(&s, "0912345678", PASSWORD).await;
    let r = citizen.c.get(format!("{}/dieu-hanh", s.url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = leader.c.get(format!("{}/dieu-hanh/xep-hang?dinh-dang=xlsx", s.url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // Units that received fewer dossiers than the settings' minimum (10) are not ranked: they
    // are listed apart, without a rank, and no ranked unit is below the minimum.
    assert!(html.contains("Chưa đủ dữ liệu để xếp hạng"), "idle units are listed apart");
    let csv = leader.c.get(format!("{}/dieu-hanh/xep-hang?dinh-dang=csv", s.url)).send().await.unwrap();
    let csv = csv.text().await.unwrap();
    let mut rows = csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    let (mut ranked, mut apart) = (0, 0);
    let mut overdue: Vec<(String, usize)> = Vec::new();
    for row in rows.records() {
        let row = row.unwrap();
        let received: i64 = row[9].parse().unwrap();
        let n: usize = row[8].parse().unwrap();
        if n > 0 {
            overdue.push((row[2].to_owned(), n));
        }
        if &row[0] == "Chưa đủ dữ liệu" {
            assert!(received < 10 && row[1].is_empty(), "{row:?}");
            apart += 1;
        } else {
            assert!(received >= 10 && !row[1].is_empty(), "{row:?}");
            ranked += 1;
        }
    }
    assert!(ranked > 0 && apart > 0, "{ranked} ranked, {apart} apart");
    // A unit's "Quá hạn" opens exactly the dossiers it counts, not the province's list.
    assert!(!overdue.is_empty(), "the demo has overdue dossiers");
    for (unit, n) in overdue.iter().take(6) {
        let url = format!("{}/dieu-hanh/canh-bao?don-vi={unit}&dinh-dang=csv", s.url);
        let list = leader.c.get(url).send().await.unwrap().text().await.unwrap();
        assert_eq!(list.trim_start_matches('\u{feff}').lines().count() - 1, *n, "{unit}: {list:.300}");
        let page = leader.c.get(format!("{}/dieu-hanh/canh-bao?don-vi={unit}", s.url)).send().await.unwrap();
        assert!(page.text().await.unwrap().contains(&format!("({n})")));
    }
    // Every table exports: the index of a unit, the dossiers behind a number, the alert lists.
    for (path, header) in [
        ("/dieu-hanh/chi-so?don-vi=province&dinh-dang=csv", "Nhóm,Chỉ số,Tên,Tỷ lệ,Điểm"),
        ("/dieu-hanh/ho-so?don-vi=province&so-lieu=received&dinh-dang=csv", "Mã hồ sơ,Thủ tục"),
        ("/dieu-hanh/canh-bao?bang=qua-han&dinh-dang=csv", "Mã hồ sơ,Thủ tục"),
        ("/dieu-hanh/canh-bao?bang=co-quan&dinh-dang=csv", "Mã,Cơ quan,Tỷ lệ đúng hạn"),
    ] {
        let r = leader.c.get(format!("{}{path}", s.url)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let text = r.text().await.unwrap();
        assert!(text.trim_start_matches('\u{feff}').starts_with(header), "{path}: {text:.200}");
    }
    let r = leader.c.get(format!("{}/dieu-hanh/canh-bao?bang=x&dinh-dang=csv", s.url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    s.stop().await.unwrap();
}

/// Alerts: an overdue dossier without an apology letter reaches its agency's leaders through
/// the outbox once, shows on the alerts page, and a restart does not send it again.
#[tokio::test]
async fn overdue_alerts_reach_the_agency_leaders_once() {
    let s = crate::server(Backend::Sqlite).await;
    let citizen = Caller::login(&s, "0912345678", PASSWORD).await;
    let desk = Caller::login(&s, "tiepnhan@tinhso.local", PASSWORD).await;
    let (_, d) = citizen.post("/api/v1/dossiers", json!({ "procedure": PROVINCIAL, "form": generic_form(2269) })).await;
    let code = d["code"].as_str().unwrap().to_owned();
    desk.act(&code, json!({ "action": "receive" })).await;
    // A second one, taken by a specialist, falls due today.
    let (_, d2) =
        citizen.post("/api/v1/dossiers", json!({ "procedure": PROVINCIAL, "form": generic_form(2269) })).await;
    let soon = d2["code"].as_str().unwrap().to_owned();
    desk.act(&soon, json!({ "action": "receive" })).await;
    let specialist = Caller::login(&s, "chuyenvien@tinhso.local", PASSWORD).await;
    specialist.act(&soon, json!({ "action": "start_processing" })).await;
    // Time travel for the test: the first due date moves to a Monday long past, the second to today.
    let today = tinhso_kernel::calendar::local_date(chrono::Utc::now());
    for (c, day) in [(code.clone(), "2025-03-10".to_owned()), (soon.clone(), today.to_string())] {
        s.exec_sql(&format!(
            "UPDATE dossier SET due_on = '{day}', body = json_set(body, '$.due_on', '{day}') WHERE code = '{c}'"
        ))
        .await
        .unwrap();
    }
    // And the quarter of an hour until the next alert pass has passed: it runs at the next start.
    s.exec_sql("DELETE FROM job_run WHERE job = 'ioc.alerts'").await.unwrap();
    let data = s.data.clone();
    s.stop().await.unwrap();
    let s = TestServer::start_on(Backend::Sqlite, bin(), data.clone(), None, &[]).await.unwrap();
    let leader = Caller::login(&s, "pheduyet@tinhso.local", PASSWORD).await;
    let mut subjects = Vec::new();
    for _ in 0..50 {
        let (_, inbox) = leader.get("/api/v1/notifications").await;
        subjects =
            inbox["items"].as_array().unwrap().iter().map(|m| m["subject"].as_str().unwrap().to_owned()).collect();
        if !subjects.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(subjects, vec!["Cảnh báo: 1 hồ sơ quá hạn chưa có phiếu xin lỗi".to_owned()]);
    // The holder of the dossier due today is reminded.
    let specialist = Caller::login(&s, "chuyenvien@tinhso.local", PASSWORD).await;
    let (_, inbox) = specialist.get("/api/v1/notifications").await;
    let reminder =
        inbox["items"].as_array().unwrap().iter().find(|m| m["subject"].as_str().unwrap().starts_with("Nhắc việc"));
    assert!(reminder.is_some_and(|m| m["body"].as_str().unwrap().contains(&soon)), "{inbox}");
    let page = specialist.c.get(format!("{}/thong-bao", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("<a href=\"/ho-so/{soon}\">{soon}</a>")), "the reminder's code opens the dossier");
    let boss = Caller::login(&s, "lanhdao@tinhso.local", PASSWORD).await;
    let html = boss.c.get(format!("{}/dieu-hanh/canh-bao", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Quá hạn, chưa có phiếu xin lỗi (1)") && html.contains(&code), "{html}");
    let link = format!("href=\"/ho-so/{code}\"");
    assert!(html.contains(&link), "a leader opens the dossier from its alert");
    let opened = boss.c.get(format!("{}/ho-so/{code}", s.url)).send().await.unwrap();
    assert_eq!(opened.status(), StatusCode::OK);
    // The applicant's page says what the agency owes them, and offers feedback about the dossier
    // with its code already filled in.
    // They come from a link to it (a notice, a message) while logged out: the login brings them
    // back to the dossier, not to the home page.
    let browser = s.client();
    let r = browser.get(format!("{}/ho-so/{code}", s.url)).send().await.unwrap();
    assert_eq!(r.url().path(), "/dang-nhap");
    let login = r.text().await.unwrap();
    assert!(login.contains(&format!("name=\"tiep\" value=\"/ho-so/{code}\"")), "{login}");
    let token = crate::reports::csrf(&login);
    let fields = [
        ("csrf", token.as_str()),
        ("login", "0912345678"),
        ("password", PASSWORD),
        ("tiep", &format!("/ho-so/{code}")),
    ];
    let r = browser.post(format!("{}/dang-nhap", s.url)).form(&fields).send().await.unwrap();
    assert_eq!(r.url().path(), format!("/ho-so/{code}"));
    let page = r.text().await.unwrap();
    assert!(page.contains("Hồ sơ đã quá ngày hẹn trả mà cơ quan chưa gửi phiếu xin lỗi"), "{page}");
    // The public lookup, which reads the dossier's columns alone, says so too.
    let r = s.client().post(format!("{}/api/v1/lookup", s.url)).json(&json!({ "code": code, "phone": "0912345678" }));
    let v: serde_json::Value = r.send().await.unwrap().json().await.unwrap();
    assert!(v["next_step"].as_str().unwrap().contains("chưa gửi phiếu xin lỗi"), "{v}");
    let visitor = s.client();
    let lookup = visitor.get(format!("{}/tra-cuu", s.url)).send().await.unwrap().text().await.unwrap();
    let token = crate::reports::csrf(&lookup);
    let form = [("csrf", token.as_str()), ("ma", code.as_str()), ("sdt", "0912345678")];
    let found = visitor.post(format!("{}/tra-cuu", s.url)).form(&form).send().await.unwrap().text().await.unwrap();
    // It says by how many working days: fewer than the weekdays since Monday 10 March 2025 by
    // the holidays between, and the leaders' alert says the same.
    let late = found.split("<span class=\"due due-overdue\">Quá hạn ").nth(1).and_then(|t| t.split(' ').next());
    let late: usize = late.and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("{found}"));
    let start = chrono::NaiveDate::from_ymd_opt(2025, 3, 10).unwrap();
    let weekdays = start.iter_days().skip(1).take_while(|d| *d <= today);
    let weekdays = weekdays.filter(|d| !matches!(d.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun)).count();
    assert!(late < weekdays && late + 40 > weekdays, "{late} working days late, {weekdays} weekdays");
    assert!(found.contains(&format!("Quá hạn {late} ngày làm việc</span>")), "{found}");
    assert!(html.contains(&format!("Quá hạn {late} ngày làm việc</span>")), "{html}");
    // Integrators read the same figure: the lookup and the dossier's own API.
    let r = s.client().post(format!("{}/api/v1/lookup", s.url)).json(&json!({ "code": code, "phone": "0912345678" }));
    let v: serde_json::Value = r.send().await.unwrap().json().await.unwrap();
    assert_eq!(
        (v["due_status"].as_str(), v["working_days_late"].as_u64()),
        (Some("overdue"), Some(late as u64)),
        "{v}"
    );
    let (_, d) = Caller::login(&s, "0912345678", PASSWORD).await.get(&format!("/api/v1/dossiers/{code}")).await;
    assert_eq!(
        (d["due_status"].as_str(), d["working_days_late"].as_u64()),
        (Some("overdue"), Some(late as u64)),
        "{d}"
    );
    let (_, fresh) = Caller::login(&s, "0912345678", PASSWORD).await.get(&format!("/api/v1/dossiers/{soon}")).await;
    assert_eq!(fresh["working_days_late"].as_u64(), Some(0), "{fresh}");
    // The download has it as a number, to sort by.
    let csv = boss.c.get(format!("{}/dieu-hanh/canh-bao?bang=qua-han&dinh-dang=csv", s.url)).send().await.unwrap();
    let csv = csv.text().await.unwrap();
    assert!(csv.lines().next().is_some_and(|h| h.ends_with(",Số ngày làm việc quá hạn")), "{csv}");
    let row = csv.lines().find(|l| l.starts_with(&code)).unwrap_or_else(|| panic!("{csv}"));
    assert!(row.ends_with(&format!(",{late}")), "{row}");
    let citizen = Caller::login(&s, "0912345678", PASSWORD).await;
    let feedback = format!("/phan-anh/gui?danh-muc=thu-tuc-hanh-chinh&amp;ma-ho-so={code}");
    assert!(page.contains(&feedback), "{page}");
    let form = citizen.c.get(format!("{}{}", s.url, feedback.replace("&amp;", "&"))).send().await.unwrap();
    assert_eq!(form.status(), StatusCode::OK);
    let form = form.text().await.unwrap();
    assert!(form.contains(&format!("name=\"dossier_code\" value=\"{code}\"")), "{form}");
    assert!(form.contains("value=\"thu-tuc-hanh-chinh\" selected"), "{form}");
    // The province admin watches the operations centre but reads no one's dossier: the alert
    // names the dossier without a link to a page that would refuse it.
    let admin = Caller::login(&s, "quantri@tinhso.local", PASSWORD).await;
    let html = admin.c.get(format!("{}/dieu-hanh/canh-bao", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains(&code) && !html.contains(&link), "{html:.3000}");
    let drill = format!("{}/dieu-hanh/ho-so?don-vi=province&so-lieu=received", s.url);
    let html = admin.c.get(&drill).send().await.unwrap().text().await.unwrap();
    assert!(html.contains(&code) && !html.contains("href=\"/ho-so/"), "{html:.3000}");
    let html = boss.c.get(&drill).send().await.unwrap().text().await.unwrap();
    assert!(html.contains(&link), "{html:.3000}");
    // Another pass falls due the same day: it runs at the next start and sends nothing new.
    s.exec_sql("DELETE FROM job_run WHERE job = 'ioc.alerts'").await.unwrap();
    s.stop().await.unwrap();
    let s = TestServer::start_on(Backend::Sqlite, bin(), data, None, &[]).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let leader = Caller::login(&s, "pheduyet@tinhso.local", PASSWORD).await;
    let (_, inbox) = leader.get("/api/v1/notifications").await;
    assert_eq!(inbox["items"].as_array().unwrap().len(), 1, "sent once a day, whatever the restarts");
    s.stop().await.unwrap();
}

/// The days a sum's drill-down lists, page after page: (their sum, the dossiers listed).
async fn days_behind(leader: &Caller, s: &TestServer, query: &str) -> (usize, usize) {
    let mut url = format!("{}/dieu-hanh/ho-so?{query}", s.url);
    let (mut days, mut listed) = (0, 0);
    loop {
        let html = leader.c.get(&url).send().await.unwrap().text().await.unwrap();
        let lead = html.split("<strong class=\"sum\">").nth(1).unwrap().split('<').next().unwrap();
        for cell in html.split("<td class=\"num days\">").skip(1) {
            days += cell.split('<').next().unwrap().parse::<usize>().unwrap();
            listed += 1;
        }
        match html.split("rel=\"next\" href=\"").nth(1) {
            Some(next) => {
                url =
                    format!("{}{}", s.url, next.split('"').next().unwrap().replace("&#38;", "&").replace("&amp;", "&"))
            }
            None => {
                assert_eq!(lead.replace('.', "").parse::<usize>().unwrap(), days, "the lead's sum: {url}");
                return (days, listed);
            }
        }
    }
}

/// The links of a page: (href with its entities decoded, text).
fn anchors(html: &str) -> Vec<(String, String)> {
    html.split("<a ")
        .skip(1)
        .filter_map(|a| {
            let href = a.split("href=\"").nth(1)?.split('"').next()?;
            let text = a.split_once('>')?.1.split("</a>").next()?;
            Some((href.replace("&#38;", "&").replace("&amp;", "&"), text.trim().to_owned()))
        })
        .collect()
}

/// Every count on the operations centre's pages (the province's dashboard with every unit's
/// row, and the index pages of the province, one department and one commune with each of
/// their indicator pages) opens a list of exactly that many dossiers, each listed once.
#[tokio::test]
async fn every_count_opens_exactly_its_dossiers() {
    let s = crate::demo_server(Backend::Sqlite, 400).await;
    let leader = Caller::login(&s, "lanhdao@tinhso.local", PASSWORD).await;
    let page = |path: String| {
        let c = leader.c.clone();
        let url = format!("{}{path}", s.url);
        async move {
            let r = c.get(&url).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{url}");
            r.text().await.unwrap()
        }
    };
    let today = chrono::Utc::now().date_naive();
    let period = format!("tu={}&den={today}", today - chrono::Duration::days(364));
    let dashboard = page(format!("/dieu-hanh?{period}")).await;
    let communes = dashboard.split("Xếp hạng xã, phường, đặc khu").nth(1).unwrap();
    let commune = anchors(communes)
        .into_iter()
        .find_map(|(href, _)| href.split("don-vi=").nth(1).map(|u| u.split('&').next().unwrap().to_owned()))
        .unwrap();
    let units = ["province".to_owned(), JUSTICE.to_owned(), commune];
    let mut pages = vec![format!("/dieu-hanh?{period}")];
    pages.extend(units.iter().map(|u| format!("/dieu-hanh/chi-so?{period}&don-vi={u}")));
    let (mut i, mut lists) = (0, 0);
    while i < pages.len() {
        let html = page(pages[i].clone()).await;
        for (href, text) in anchors(&html) {
            let of_unit = units.iter().any(|u| href.ends_with(&format!("don-vi={u}")));
            if href.starts_with("/dieu-hanh/chi-so/") && of_unit && !pages.contains(&href) {
                pages.push(href.clone());
            }
            let Ok(n) = text.replace('.', "").parse::<usize>() else { continue };
            let sum = href.ends_with("so-lieu=working_days") || href.ends_with("so-lieu=allowed_days");
            if let (true, Some(query)) = (sum, href.strip_prefix("/dieu-hanh/ho-so?")) {
                // A sum of days: the listed dossiers' days add up to it.
                let (days, listed) = days_behind(&leader, &s, query).await;
                assert_eq!(days, n, "{} -> {href}", pages[i]);
                assert!(listed > 0 || n == 0);
                lists += 1;
            } else if let Some(query) = href.strip_prefix("/dieu-hanh/ho-so?") {
                let (total, mut codes) = drill_all(&leader, &s, query).await;
                assert_eq!((total, codes.len()), (n, n), "{} -> {href}", pages[i]);
                codes.sort();
                codes.dedup();
                assert_eq!(codes.len(), n, "each dossier once: {href}");
                lists += 1;
            } else if href.starts_with("/dieu-hanh/canh-bao?") {
                let list = page(href.clone()).await;
                assert_eq!(list.matches("<td><a href=\"/ho-so/").count(), n, "{} -> {href}", pages[i]);
                lists += 1;
            }
        }
        i += 1;
    }
    assert!(pages.len() > 30, "the indicator pages of each unit were walked: {}", pages.len());
    assert!(lists > 60, "{lists} lists checked");
    s.stop().await.unwrap();
}

/// A leader's browser session (the dashboard's pages).
async fn leader_client(s: &TestServer) -> reqwest::Client {
    Caller::login(s, "lanhdao@tinhso.local", PASSWORD).await.c
}

/// The province's own point splits (`<data>/ioc-766.json`): a file that does not add up stops
/// the server with a message naming it; one that does is what the index, the public API and
/// the dashboard use.
#[tokio::test]
async fn a_province_weights_file_is_checked_then_used() {
    let mut w: Value = serde_json::from_str(tinhso_ioc::index::DEFAULT_WEIGHTS).unwrap();
    assert_eq!(
        (w["groups"][0]["indicators"][0]["key"].as_str(), w["groups"][0]["points"].as_f64()),
        (Some("1.1"), Some(18.0))
    );
    // One point more in the first group than it is worth: refused before anything is served.
    w["groups"][0]["indicators"][0]["points"] = 13.into();
    let broken = fresh_data_dir().unwrap();
    std::fs::write(broken.join("ioc-766.json"), w.to_string()).unwrap();
    let mut cmd = tokio::process::Command::new(bin());
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--data"]).arg(&broken).env("RUST_LOG", "warn");
    let out = tokio::time::timeout(std::time::Duration::from_secs(60), cmd.output()).await.unwrap().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0));
    assert!(err.contains("ioc-766.json") && err.contains("nhóm publication"), "{err}");
    // Points moved within the group, and a lower bar for ranking: used.
    w["groups"][0]["indicators"][1]["points"] = 5.into();
    w["min_dossiers"] = 3.into();
    let data = fresh_data_dir().unwrap();
    std::fs::write(data.join("ioc-766.json"), w.to_string()).unwrap();
    let s = TestServer::start_on(Backend::Sqlite, bin(), data, None, &[]).await.unwrap();
    let r = s.client().get(format!("{}/api/v1/ioc/index?unit={JUSTICE}", s.url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!((indicator(&v, "1.1")["max"].as_f64(), indicator(&v, "1.2")["max"].as_f64()), (Some(13.0), Some(5.0)));
    let html = leader_client(&s).await.get(format!("{}/dieu-hanh", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Đơn vị tiếp nhận dưới 3 hồ sơ trong kỳ"), "{html}");
    s.stop().await.unwrap();
}
