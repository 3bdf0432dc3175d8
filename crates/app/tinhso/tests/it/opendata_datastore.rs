//! The shared data store as its users meet it: a publisher uploads a CSV and it becomes a
//! typed, queryable table (CKAN's `datastore_search`, `datastore_search_sql`); a visitor
//! filters it on the resource's page and downloads the filtered rows as CSV, XLSX and JSON;
//! an attacker tries to write, read other tables, change settings, attach files and run
//! forever through `datastore_search_sql`; an operator loads a large file from the CLI.

use reqwest::StatusCode;
use serde_json::{json, Value};
use tinhso_testkit::server::run_cli;
use tinhso_testkit::TestServer;

use crate::opendata::call;

on_both_backends!(datastore_on_sqlite, datastore_on_postgres, datastore_story);

const ORG: &str = "000-00-03-h08";

async fn upload(s: &TestServer, token: &str, dataset: &str, file: &str, bytes: &[u8]) -> String {
    let (ctype, body) =
        crate::journey::multipart(&[("package_id", dataset), ("name", "Dân số")], &[("upload", file, bytes)]);
    let r = s
        .client()
        .post(format!("{}/api/3/action/resource_create", s.url))
        .header("Authorization", token)
        .header("Content-Type", ctype)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    v["result"]["id"].as_str().unwrap().to_owned()
}

/// Waits until the background load has made the table ready and the catalogue says so.
async fn ready(s: &TestServer, rid: &str) -> Value {
    for _ in 0..100 {
        let (_, r) = call(s, None, "resource_show", json!({"id": rid})).await;
        let (st, v) = call(s, None, "datastore_info", json!({"id": rid})).await;
        if st == StatusCode::OK && r["result"]["datastore_active"] == true {
            return v["result"].clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{rid} was never loaded into the data store");
}

const CSV: &str = "Mã xã;Xã;Dân số;Diện tích (km²);Ngày điều tra;Ghi chú\n\
                   001;An Tường;12000;25.5;01/04/2024;đồng bằng\n\
                   002;Minh Xuân;8500;30.25;01/04/2024;\n\
                   003;Đồng Văn;23000;120;15/04/2024;núi cao, biên giới\n\
                   004;Mèo Vạc;15000;95.75;15/04/2024;núi cao\n";

async fn sql(s: &TestServer, q: &str) -> (StatusCode, Value) {
    call(s, None, "datastore_search_sql", json!({ "sql": q })).await
}

async fn datastore_story(s: TestServer) {
    let token = crate::opendata::token(&s, "chuyenvien@tinhso.local").await;
    let (_, d) = call(
        &s,
        Some(&token),
        "package_create",
        json!({"name": "dan-so-xa", "title": "Dân số các xã", "owner_org": ORG}),
    )
    .await;
    let id = d["result"]["id"].as_str().unwrap().to_owned();
    let rid = upload(&s, &token, &id, "dan-so.csv", CSV.as_bytes()).await;
    let info = ready(&s, &rid).await;
    let types: Vec<(&str, &str)> = info["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["id"].as_str().unwrap(), f["type"].as_str().unwrap()))
        .collect();
    assert_eq!(
        types,
        [
            ("Mã xã", "text"),
            ("Xã", "text"),
            ("Dân số", "int"),
            ("Diện tích (km²)", "numeric"),
            ("Ngày điều tra", "date"),
            ("Ghi chú", "text")
        ],
        "codes with leading zeros stay text; dd/mm/yyyy is a date"
    );
    assert_eq!(info["meta"]["count"], 4);
    let (_, pkg) = call(&s, None, "package_show", json!({"id": "dan-so-xa"})).await;
    assert_eq!(pkg["result"]["resources"][0]["datastore_active"], true);

    // datastore_search: filters typed by their column, q without diacritics, sort, fields, paging, total.
    let (st, v) = call(
        &s,
        None,
        "datastore_search",
        json!({"resource_id": rid, "filters": {"Ngày điều tra": "15/04/2024"}, "sort": "Dân số desc"}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let names: Vec<&str> =
        v["result"]["records"].as_array().unwrap().iter().map(|r| r["Xã"].as_str().unwrap()).collect();
    assert_eq!(names, ["Đồng Văn", "Mèo Vạc"]);
    assert_eq!(v["result"]["total"], 2);
    assert_eq!(v["result"]["records"][0]["Dân số"], 23000);
    assert_eq!(v["result"]["records"][0]["Ngày điều tra"], "2024-04-15");
    let (_, v) = call(
        &s,
        None,
        "datastore_search",
        json!({"resource_id": rid, "q": "nui cao", "fields": ["Xã"], "limit": 1, "offset": 1, "sort": "_id"}),
    )
    .await;
    assert_eq!(v["result"]["total"], 2);
    assert_eq!(v["result"]["records"], json!([{"_id": 4, "Xã": "Mèo Vạc"}]));
    let (st, v) =
        call(&s, None, "datastore_search", json!({"resource_id": rid, "filters": {"mat_khau": "x"}, "sort": "x desc"}))
            .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert!(v["error"]["filters"].is_array() && v["error"]["sort"].is_array(), "every problem at once: {v}");
    let (_, v) = call(&s, None, "datastore_search", json!({"resource_id": rid, "filters": {"Dân số": "nhiều"}})).await;
    assert_eq!(v["result"]["total"], 0, "a value that cannot be in an int column matches nothing");

    // datastore_search_sql: reads of public tables only.
    let table = format!("\"{rid}\"");
    let (st, v) =
        sql(&s, &format!("SELECT \"Xã\", \"Dân số\" FROM {table} WHERE \"Dân số\" > 10000 ORDER BY \"Dân số\" DESC"))
            .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["result"]["records"].as_array().unwrap().len(), 3);
    assert_eq!(v["result"]["records"][0], json!({"Xã": "Đồng Văn", "Dân số": 23000}));
    let (_, v) = sql(&s, &format!("SELECT count(*) AS n, sum(\"Dân số\") AS tong FROM {table}")).await;
    assert_eq!(v["result"]["records"][0]["tong"], 58500);
    let attacks = [
        format!("DELETE FROM {table}"),
        format!("UPDATE {table} SET \"Dân số\" = 0"),
        format!("SELECT 1 FROM {table}; DROP TABLE account"),
        "SELECT * FROM account".to_owned(),
        "SELECT login, password_hash FROM account".to_owned(),
        format!("SELECT * FROM {table} JOIN session ON 1 = 1"),
        format!("SELECT * FROM {table} WHERE \"Xã\" IN (SELECT login FROM account)"),
        "SELECT * FROM dataset".to_owned(),
        "PRAGMA table_list".to_owned(),
        "SELECT * FROM pragma_table_list".to_owned(),
        "ATTACH DATABASE '/etc/passwd' AS p".to_owned(),
        "SELECT * FROM sqlite_master".to_owned(),
        "SELECT * FROM information_schema.tables".to_owned(),
        "SELECT * FROM pg_catalog.pg_user".to_owned(),
        "SELECT pg_sleep(30)".to_owned(),
        "SET statement_timeout = 0".to_owned(),
        format!("SELECT * INTO stolen FROM {table}"),
        format!("WITH x AS (DELETE FROM {table} RETURNING *) SELECT * FROM x"),
        "SELECT load_extension('/tmp/evil')".to_owned(),
    ];
    for attack in &attacks {
        let (st, v) = sql(&s, attack).await;
        assert_eq!(st, StatusCode::CONFLICT, "{attack} was not refused: {v}");
        assert_eq!(v["error"]["__type"], "Validation Error");
        assert!(!v["error"]["sql"][0].as_str().unwrap().is_empty());
    }
    let started = std::time::Instant::now();
    let (st, v) =
        sql(&s, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c").await;
    assert_eq!(st, StatusCode::CONFLICT, "a query that never ends is stopped: {v}");
    assert!(v["error"]["sql"][0].as_str().unwrap().contains("giây"), "{v}");
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    let (_, v) = call(&s, None, "datastore_search", json!({"resource_id": rid})).await;
    assert_eq!(v["result"]["total"], 4, "nothing was written by any of the above");
    let (_, pkg) = call(&s, None, "package_show", json!({"id": "dan-so-xa"})).await;
    assert_eq!(pkg["result"]["name"], "dan-so-xa");

    // A private dataset's table is out of reach, by search and by SQL.
    let (_, p) =
        call(&s, Some(&token), "package_create", json!({"name": "bi-mat", "owner_org": ORG, "private": true})).await;
    let secret = upload(&s, &token, p["result"]["id"].as_str().unwrap(), "bi-mat.csv", b"a,b\n1,2\n").await;
    for _ in 0..100 {
        let (st, _) = call(&s, Some(&token), "datastore_info", json!({"id": secret})).await;
        if st == StatusCode::OK {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let (st, _) = call(&s, None, "datastore_search", json!({"resource_id": secret})).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = sql(&s, &format!("SELECT * FROM \"{secret}\"")).await;
    assert_eq!(st, StatusCode::CONFLICT);

    // The resource's page: status, a filter, the table, a chart, downloads of what is shown.
    let anon = s.client();
    let page = anon
        .get(format!(
            "{}/du-lieu/dan-so-xa/tai-nguyen/{rid}?cot=Ng%C3%A0y+%C4%91i%E1%BB%81u+tra&gia-tri=15%2F04%2F2024",
            s.url
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Đã nạp vào kho dữ liệu: 4 dòng, 6 cột."), "{page}");
    assert!(
        page.contains("<strong>2</strong> dòng phù hợp")
            && page.contains("<td>Mèo Vạc</td>")
            && !page.contains("<td>An Tường</td>")
    );
    assert!(page.contains("<td>15/04/2024</td>"), "dates as dd/mm/yyyy");
    assert!(page.contains("<svg class=\"chart chart-bars\""), "a chart of the numbers");
    let href = page
        .split("href=\"/datastore/dump/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&#38;", "&")
        .replace("&amp;", "&");
    let csv = anon.get(format!("{}/datastore/dump/{href}", s.url)).send().await.unwrap();
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = csv.text().await.unwrap();
    assert!(csv.starts_with('\u{feff}'), "a BOM so spreadsheets read the diacritics");
    assert_eq!(csv.lines().count(), 3, "header and the two filtered rows: {csv}");
    assert!(csv.contains("Đồng Văn") && !csv.contains("An Tường"));
    let j: Value =
        anon.get(format!("{}/datastore/dump/{rid}?format=json", s.url)).send().await.unwrap().json().await.unwrap();
    assert_eq!(j.as_array().unwrap().len(), 4);
    // A client that asks gets the streamed dump gzipped as it streams, the same rows inside.
    let gz = anon
        .get(format!("{}/datastore/dump/{rid}?format=json", s.url))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    let mut unpacked = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz.bytes().await.unwrap()[..]), &mut unpacked)
        .unwrap();
    assert_eq!(serde_json::from_str::<Value>(&unpacked).unwrap(), j);
    let x = anon.get(format!("{}/datastore/dump/{rid}?format=xlsx&q=nui", s.url)).send().await.unwrap();
    assert_eq!(x.status(), StatusCode::OK);
    let bytes = x.bytes().await.unwrap();
    let dir = tinhso_testkit::server::fresh_data_dir().unwrap();
    let path = dir.join("loc.xlsx");
    std::fs::write(&path, &bytes).unwrap();
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            &format!(
                "import openpyxl; ws = openpyxl.load_workbook('{}').active; print(ws.max_row, ws.cell(2, 3).value)",
                path.display()
            ),
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "3 Đồng Văn", "{}", String::from_utf8_lossy(&out.stderr));

    // The CLI loads a local file larger than a batch, with progress, into the same resource.
    let big = dir.join("lon.csv");
    let mut text = String::from("Mã;Tỉnh;Giá trị\n");
    for i in 0..12_345 {
        text.push_str(&format!("{i};Tuyên Quang;{}\n", i * 3));
    }
    std::fs::write(&big, text).unwrap();
    let args = [
        vec!["opendata".into(), "load".into(), rid.clone(), "--file".into(), big.display().to_string()],
        s.data_args(),
    ]
    .concat();
    let (code, out, err) = run_cli(crate::bin(), &args).await.unwrap();
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Đã nạp 12345 dòng"), "{out}");
    let (_, v) = call(&s, None, "datastore_search", json!({"resource_id": rid, "filters": {"Mã": 12000}})).await;
    assert_eq!(v["result"]["records"][0]["Giá trị"], 36000);
    assert_eq!(v["result"]["total"], 1);
    let (_, v) = call(&s, None, "datastore_search", json!({"resource_id": rid, "limit": 0})).await;
    assert_eq!(v["result"]["total"], 12345);
}

#[tokio::test]
async fn publish_on_sqlite() {
    publish_story(publishing(tinhso_testkit::Backend::Sqlite).await).await;
}

#[tokio::test]
async fn publish_on_postgres() {
    publish_story(publishing(tinhso_testkit::Backend::Postgres).await).await;
}

/// A server that publishes the province's figures as it starts.
async fn publishing(backend: tinhso_testkit::Backend) -> TestServer {
    let database = match backend {
        tinhso_testkit::Backend::Sqlite => None,
        tinhso_testkit::Backend::Postgres => Some(tinhso_testkit::server::fresh_pg_database().await.unwrap()),
    };
    let data = tinhso_testkit::server::fresh_data_dir().unwrap();
    TestServer::start_on(backend, crate::bin(), data, database, &["--open-data-hours", "24", "--demo-dossiers", "60"])
        .await
        .unwrap()
}

/// The platform publishes its own figures: at start, from the catalogue, the dossiers'
/// aggregates, the 766 index and the field reports; again only what changed; no personal data.
async fn publish_story(s: TestServer) {
    let mut names = Value::Null;
    for _ in 0..100 {
        let (_, v) = call(&s, None, "package_list", json!({})).await;
        names = v["result"].clone();
        if names.as_array().is_some_and(|a| a.len() == 5) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(
        names,
        json!(["chi-so-766", "ho-so-theo-thang", "ho-so-theo-thu-tuc", "phan-anh-theo-linh-vuc", "thu-tuc-hanh-chinh"])
    );
    // Dossiers by procedure and channel agree with the dossiers by agency.
    let rid_of = |v: &Value| v["result"]["resources"][0]["id"].as_str().unwrap().to_owned();
    let (_, a) = call(&s, None, "package_show", json!({"id": "ho-so-theo-thang"})).await;
    let (_, b) = call(&s, None, "package_show", json!({"id": "ho-so-theo-thu-tuc"})).await;
    let total = |rid: String, column: &'static str| {
        let s = &s;
        async move {
            let (_, v) = call(
                s,
                None,
                "datastore_search_sql",
                json!({"sql": format!("SELECT sum(\"{column}\") AS n FROM \"{rid}\"")}),
            )
            .await;
            v["result"]["records"][0]["n"].as_i64().unwrap_or(0)
        }
    };
    let received = total(rid_of(&a), "Tiếp nhận").await;
    let submitted = total(rid_of(&b), "Số hồ sơ").await;
    // (Not equal: a dossier submitted but not yet received counts in one only, and one received
    // in the first month may have been submitted the month before.)
    assert!(
        received > 0 && (submitted - received).abs() <= 5.max(received / 5),
        "submitted {submitted}, received {received}"
    );
    // The procedures table agrees with the catalogue's API, procedure by procedure.
    let (_, p) = call(&s, None, "package_show", json!({"id": "thu-tuc-hanh-chinh"})).await;
    let rid = p["result"]["resources"][0]["id"].as_str().unwrap().to_owned();
    assert!(p["result"]["organization"]["title"].as_str().unwrap().contains("Phục vụ hành chính công"), "{p}");
    let procedures: Value =
        s.client().get(format!("{}/api/v1/procedures?limit=100", s.url)).send().await.unwrap().json().await.unwrap();
    let (_, t) = call(&s, None, "datastore_search", json!({"resource_id": rid, "limit": 0})).await;
    assert_eq!(t["result"]["total"], procedures["total"]);
    let first = &procedures["items"][0];
    let code = first["code"].as_str().unwrap();
    let (_, row) =
        call(&s, None, "datastore_search", json!({"resource_id": rid, "filters": {"Mã thủ tục": code}})).await;
    assert_eq!(row["result"]["records"][0]["Tên thủ tục"], first["name"]);
    let who = match first["applicants"].as_str() {
        Some("people") => "Cá nhân",
        Some("organizations") => "Doanh nghiệp, tổ chức, hộ kinh doanh",
        _ => "Cá nhân, doanh nghiệp, tổ chức, hộ kinh doanh",
    };
    assert_eq!(row["result"]["records"][0]["Đối tượng thực hiện"], who);
    // Published again with nothing changed: no new version.
    let (code_, out, err) =
        run_cli(crate::bin(), &[vec!["opendata".into(), "publish".into()], s.data_args()].concat()).await.unwrap();
    assert_eq!(code_, 0, "{out}{err}");
    assert!(out.contains("không đổi 5"), "{out}");
    // Nothing personal in any table: no demo citizen's phone, name or personal id.
    for name in ["ho-so-theo-thang", "ho-so-theo-thu-tuc", "chi-so-766", "phan-anh-theo-linh-vuc", "thu-tuc-hanh-chinh"]
    {
        let (_, p) = call(&s, None, "package_show", json!({"id": name})).await;
        let url = p["result"]["resources"][0]["url"].as_str().unwrap().to_owned();
        let body = s.client().get(&url).send().await.unwrap().text().await.unwrap();
        assert!(body.lines().count() >= 1, "{name}");
        for personal in ["0912345678", "Nguyễn Văn An", "001090000001"] {
            assert!(!body.contains(personal), "{name} holds {personal}");
        }
    }
}
