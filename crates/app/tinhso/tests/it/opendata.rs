//! The open-data portal as its users meet it: a publisher's specialist with an API token
//! (raw CKAN calls, then the PyPI client `ckanapi` for every action), an anonymous visitor
//! on the portal's pages, another agency's staff, an integrator moving the catalogue to a
//! second server (`ckanapi dump`, then `load`), a DCAT harvester (pyshacl against the
//! DCAT-AP 3 shapes, in three syntaxes) and an auditor (the ledger).

use reqwest::StatusCode;
use serde_json::{json, Value};
use tinhso_testkit::server::run_cli;
use tinhso_testkit::TestServer;

use crate::journey::csrf;

on_both_backends!(catalogue_on_sqlite, catalogue_on_postgres, catalogue_story);
on_both_backends!(ckanapi_on_sqlite, ckanapi_on_postgres, ckanapi_story);

/// The specialist's agency (Sở Tư pháp) as a publisher.
const ORG: &str = "000-00-03-h08";

/// Makes an API token on the person's token page, as they would, and reads the secret shown once.
pub(crate) async fn token(s: &TestServer, who: &str) -> String {
    let c = crate::journey::page_login(s, who).await;
    let html = c.get(format!("{}/tai-khoan/khoa-api", s.url)).send().await.unwrap().text().await.unwrap();
    let r = c
        .post(format!("{}/tai-khoan/khoa-api", s.url))
        .form(&[("csrf", csrf(&html).as_str()), ("ten", "Máy chủ báo cáo")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["cache-control"], "no-store", "the secret is never cached");
    let html = r.text().await.unwrap();
    let marker = "id=\"khoa-moi\" readonly value=\"";
    let at = html.find(marker).map(|i| i + marker.len()).expect("the new token is shown");
    let secret = html[at..].split('"').next().unwrap().to_owned();
    assert!(secret.starts_with("tsk_") && secret.len() > 40, "{secret}");
    // Shown once: the list afterwards names it but never shows the secret again.
    let list = c.get(format!("{}/tai-khoan/khoa-api", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(list.contains("Máy chủ báo cáo") && !list.contains(&secret));
    // A key outlives a password change, so its owner is told of each one made.
    let notices = c.get(format!("{}/thong-bao", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(notices.contains("Khóa API “Máy chủ báo cáo” đã được tạo") && !notices.contains(&secret));
    // The person's copy of their data lists their keys, never a secret.
    let copy = c.get(format!("{}/tai-khoan/du-lieu", s.url)).send().await.unwrap().text().await.unwrap();
    let copy: Value = serde_json::from_str(&copy).unwrap();
    let keys = copy["api_keys"].as_array().unwrap();
    assert!(keys.iter().any(|k| k["name"] == "Máy chủ báo cáo" && k["created_at"].is_string()), "{keys:?}");
    assert!(!copy.to_string().contains(&secret[4..]), "no secret in the copy");
    secret
}

pub(crate) async fn call(s: &TestServer, token: Option<&str>, action: &str, body: Value) -> (StatusCode, Value) {
    let mut r = s.client().post(format!("{}/api/3/action/{action}", s.url)).json(&body);
    if let Some(t) = token {
        r = r.header("Authorization", t);
    }
    let r = r.send().await.unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or_else(|e| panic!("{action}: {e}: {text}")))
}

async fn get(c: &reqwest::Client, url: &str) -> (StatusCode, String) {
    let r = c.get(url).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

fn fixture() -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ckan_clients.py").display().to_string()
}

fn python(args: &[&str]) -> Value {
    let out = std::process::Command::new("python3").arg(fixture()).args(args).output().expect("python3");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "ckan_clients.py {args:?} failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

async fn catalogue_story(s: TestServer) {
    let anon = s.client();
    let spec = token(&s, "chuyenvien@tinhso.local").await;

    // The envelope, for reads by anyone.
    let (st, v) = call(&s, None, "status_show", json!({})).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["success"], true);
    assert!(v["help"].as_str().unwrap().ends_with("/api/3/action/help_show?name=status_show"));
    let (_, orgs) = call(&s, None, "organization_list", json!({})).await;
    assert!(orgs["result"].as_array().unwrap().iter().any(|o| o == ORG), "every agency publishes: {orgs}");
    let (_, mine) = call(&s, Some(&spec), "organization_list_for_user", json!({})).await;
    assert_eq!(mine["result"].as_array().unwrap().len(), 1, "a specialist publishes for their own agency only");
    assert_eq!(mine["result"][0]["name"], ORG);

    // Every problem at once, nothing stored.
    let (st, v) = call(
        &s,
        Some(&spec),
        "package_create",
        json!({"name": "Tên Sai", "owner_org": ORG, "license_id": "khong-co", "extras": [{"key": "temporal_start", "value": "31/02/2025"}]}),
    )
    .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert_eq!(v["success"], false);
    assert_eq!(v["error"]["__type"], "Validation Error");
    for f in ["name", "license_id", "temporal_start"] {
        assert!(v["error"][f].is_array(), "{f} is reported: {v}");
    }
    // Who may write: nobody anonymous, nobody with a wrong token, nobody for another agency.
    let good = json!({"name": "gia-dat-2025", "title": "Bảng giá đất năm 2025", "owner_org": ORG,
                      "notes": "Bảng giá các loại đất trên địa bàn tỉnh.", "tags": ["Đất đai", "giá đất"],
                      "groups": [{"name": "dat-dai-moi-truong"}], "extras": [{"key": "frequency", "value": "annual"}],
                      "resources": [{"url": "https://stnmt.example.vn/gia-dat.xlsx", "name": "Bảng giá (Excel)"}]});
    let (st, v) = call(&s, None, "package_create", good.clone()).await;
    assert_eq!((st, v["error"]["__type"].as_str()), (StatusCode::FORBIDDEN, Some("Authorization Error")));
    let (st, _) = call(&s, Some("tsk_khong-phai-khoa"), "package_show", json!({"id": "gia-dat-2025"})).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "a wrong token is refused, not read as anonymous");
    let mut other = good.clone();
    other["owner_org"] = json!("000-00-01-h08");
    let (st, _) = call(&s, Some(&spec), "package_create", other).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, created) = call(&s, Some(&spec), "package_create", good.clone()).await;
    assert_eq!(st, StatusCode::OK, "{created}");
    let id = created["result"]["id"].as_str().unwrap().to_owned();
    assert_eq!(created["result"]["resources"][0]["format"], "XLSX");
    assert_eq!(created["result"]["license_id"], "vn-du-lieu-mo");
    let (st, _) = call(&s, Some(&spec), "package_create", good.clone()).await;
    assert_eq!(st, StatusCode::CONFLICT, "a name is taken once");

    // An upload: refused before the body is read without a token; stored, served and counted with one.
    let csv = "Xã,Loại đất,Giá (đồng/m²)\nAn Tường,Đất ở,5200000\nMinh Xuân,Đất ở,8100000\n";
    let (ctype, body) = crate::journey::multipart(
        &[("package_id", id.as_str()), ("name", "Giá đất ở")],
        &[("upload", "gia-dat-o.csv", csv.as_bytes())],
    );
    let post = |key: Option<&str>| {
        let r = anon
            .post(format!("{}/api/3/action/resource_create", s.url))
            .header("Content-Type", &ctype)
            .body(body.clone());
        match key {
            Some(k) => r.header("X-CKAN-API-Key", k),
            None => r,
        }
    };
    let r = post(None).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = post(Some(&spec)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let res: Value = r.json().await.unwrap();
    let download = res["result"]["url"].as_str().unwrap().to_owned();
    // A CSV goes on into the data store by itself, which the catalogue then records (a version).
    let rid = res["result"]["id"].as_str().unwrap().to_owned();
    let mut loaded = false;
    for _ in 0..100 {
        let (_, r) = call(&s, None, "resource_show", json!({ "id": rid })).await;
        if r["result"]["datastore_active"] == true {
            loaded = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(loaded, "the uploaded CSV was never loaded into the data store");
    assert_eq!(res["result"]["url_type"], "upload");
    assert_eq!(res["result"]["mimetype"], "text/csv");
    let r = anon.get(&download).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(r.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    assert_eq!(r.text().await.unwrap(), csv);

    // Search without Solr: folded words, facets, CKAN's fq, and refusals that say why.
    let (_, found) =
        call(&s, None, "package_search", json!({"q": "DAT DAI", "facet.field": ["tags", "res_format"]})).await;
    assert_eq!(found["result"]["count"], 1);
    let formats: Vec<&str> = found["result"]["search_facets"]["res_format"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert!(formats.contains(&"CSV") && formats.contains(&"XLSX"), "{formats:?}");
    let (_, found) =
        call(&s, None, "package_search", json!({"fq": format!("organization:{ORG} +tags:\"Đất đai\"")})).await;
    assert_eq!(found["result"]["count"], 1);
    let (_, found) = call(&s, None, "package_search", json!({"q": "dat", "fq": "-res_format:CSV"})).await;
    assert_eq!(found["result"]["count"], 0);
    let (st, v) = call(&s, None, "package_search", json!({"fq": "tags:a OR tags:b"})).await;
    assert_eq!((st, v["error"]["__type"].as_str()), (StatusCode::CONFLICT, Some("Search Query Error")));
    let (st, _) = call(&s, None, "package_search", json!({"rows": -1})).await;
    assert_eq!(st, StatusCode::CONFLICT);

    // A private draft is the publisher's alone.
    let (st, _) = call(
        &s,
        Some(&spec),
        "package_create",
        json!({"name": "du-thao-quy-hoach", "title": "Dự thảo quy hoạch đất", "owner_org": ORG, "private": true}),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = call(&s, None, "package_show", json!({"id": "du-thao-quy-hoach"})).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (_, found) = call(&s, None, "package_search", json!({"q": "quy hoach", "include_private": true})).await;
    assert_eq!(found["result"]["count"], 0, "anonymous include_private sees nothing private");
    let (_, found) = call(&s, Some(&spec), "package_search", json!({"q": "quy hoach", "include_private": true})).await;
    assert_eq!(found["result"]["count"], 1);
    let (st, _) = call(&s, None, "package_show", json!({"id": "du-thao-quy-hoach"})).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (_, page) = get(&anon, &format!("{}/du-lieu/du-thao-quy-hoach", s.url)).await;
    assert!(!page.contains("Dự thảo quy hoạch"), "the page does not leak it either");

    // Versions kept: a patch makes revision 4 (create, resource, loaded, patch); the page lists them.
    let (_, patched) =
        call(&s, Some(&spec), "package_patch", json!({"id": id, "title": "Bảng giá đất năm 2025 (điều chỉnh)"})).await;
    assert_eq!(patched["result"]["metadata_revision"], 4);
    assert_eq!(patched["result"]["num_resources"], 2, "a patch keeps what it does not name");

    // The portal's pages, without JavaScript.
    let (st, home) = get(&anon, &format!("{}/du-lieu", s.url)).await;
    assert_eq!(st, StatusCode::OK);
    assert!(home.contains("Bảng giá đất năm 2025 (điều chỉnh)") && home.contains("Đất đai và môi trường"));
    let (_, results) = get(&anon, &format!("{}/du-lieu/tim?q=bang+gia+dat", s.url)).await;
    assert!(results.contains("<strong>1</strong> bộ dữ liệu") && results.contains("/du-lieu/gia-dat-2025"));
    let (st, results) = get(&anon, &format!("{}/du-lieu/tim?the=Kh%C3%B4ng%20c%C3%B3", s.url)).await;
    assert_eq!(st, StatusCode::OK);
    assert!(results.contains("<strong>0</strong> bộ dữ liệu"));
    let (_, page) = get(&anon, &format!("{}/du-lieu/gia-dat-2025", s.url)).await;
    assert!(
        page.contains("Sở Tư pháp") && page.contains("Hằng năm") && page.contains("Các phiên bản siêu dữ liệu (4)")
    );
    assert!(page.contains("1 lượt tải"), "the download above is counted on the page at once");
    let (_, rpage) = get(&anon, &format!("{}/du-lieu/gia-dat-2025/tai-nguyen/{rid}", s.url)).await;
    assert!(
        rpage.contains("<th scope=\"col\">Giá (đồng/m²)</th>") && rpage.contains("<td>Minh Xuân</td>"),
        "the table, from the data store"
    );
    let (_, org_page) = get(&anon, &format!("{}/du-lieu/to-chuc/{ORG}", s.url)).await;
    assert!(org_page.contains("<strong>1</strong> bộ dữ liệu"));

    // The publishing form is for publishers: a citizen is refused, a visitor asked to log in.
    let citizen = crate::journey::page_login(&s, "0912345678").await;
    assert_eq!(citizen.get(format!("{}/du-lieu/moi", s.url)).send().await.unwrap().status(), StatusCode::FORBIDDEN);
    let r = anon.get(format!("{}/du-lieu/moi", s.url)).send().await.unwrap();
    assert!(r.url().path().starts_with("/dang-nhap"), "{}", r.url());

    // DCAT by extension and by negotiation; a browser is sent to the page.
    let r = anon.get(format!("{}/dataset/{id}.ttl", s.url)).send().await.unwrap();
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/turtle"));
    assert!(r.text().await.unwrap().contains("a dcat:Dataset"));
    let r = anon.get(format!("{}/dataset/{id}", s.url)).header("Accept", "application/ld+json").send().await.unwrap();
    let ld: Value = r.json().await.unwrap();
    assert!(ld.as_array().unwrap().iter().any(|n| n["@type"][0] == "http://www.w3.org/ns/dcat#Dataset"));
    let r = anon.get(format!("{}/dataset/{id}", s.url)).header("Accept", "text/html").send().await.unwrap();
    assert_eq!(r.url().path(), "/du-lieu/gia-dat-2025");
    let r = anon.get(format!("{}/dataset/du-thao-quy-hoach.ttl", s.url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "private datasets are not in DCAT");
    // Without --public-url the graph's addresses are the request's Host, which the client picks:
    // no shared cache may keep it for others.
    let r = anon.get(format!("{}/catalog.ttl", s.url)).header("Host", "attacker.example").send().await.unwrap();
    assert_eq!(r.headers()["cache-control"], "private, max-age=60");
    assert!(r.text().await.unwrap().contains("http://attacker.example/"));
    let shapes =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/dcat-ap-shacl/dcat-ap_3_shacl_shapes.ttl");
    let dir = tempdir();
    for (ext, fmt) in [("ttl", "turtle"), ("jsonld", "json-ld"), ("rdf", "xml")] {
        let body = anon.get(format!("{}/catalog.{ext}", s.url)).send().await.unwrap().bytes().await.unwrap();
        let path = dir.join(format!("catalog.{ext}"));
        std::fs::write(&path, &body).unwrap();
        let v = python(&["shacl", &shapes.display().to_string(), &path.display().to_string(), fmt]);
        assert_eq!(v["conforms"], true);
        assert!(v["triples"].as_u64().unwrap() > 40, "{ext}: {v}");
    }

    // Deleting hides it everywhere; its name stays taken.
    let (st, _) = call(&s, Some(&spec), "package_delete", json!({"id": "gia-dat-2025"})).await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = call(&s, None, "package_show", json!({"id": id})).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (_, list) = call(&s, None, "package_list", json!({})).await;
    assert!(!list["result"].as_array().unwrap().iter().any(|n| n == "gia-dat-2025"));
    let (st, _) = call(&s, Some(&spec), "package_create", good).await;
    assert_eq!(st, StatusCode::CONFLICT);
    let r = anon.get(&download).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "a deleted dataset's files are not served");

    // Every change is on the ledger, and the chain holds.
    let verify = || async {
        let (c, out, err) =
            run_cli(crate::bin(), &[vec!["audit".into(), "verify".into()], s.data_args()].concat()).await.unwrap();
        (c, format!("{out}{err}"))
    };
    let (code, out) = verify().await;
    assert_eq!(code, 0, "{out}");
    // A deleted dataset brought back, or its text rewritten, in the database without a
    // revision: the audit names it.
    for (edit, undo, column) in [
        ("state = 'active'", "state = 'deleted'", "state"),
        ("body = body || ' '", "body = substr(body, 1, length(body) - 1)", "body"),
    ] {
        s.exec_sql(&format!("UPDATE dataset SET {edit} WHERE name = 'gia-dat-2025'")).await.unwrap();
        let (c, out) = verify().await;
        assert_eq!(c, 1, "{out}");
        assert!(out.contains("bộ dữ liệu mở gia-dat-2025") && out.contains(&format!("ở cột {column}")), "{out}");
        s.exec_sql(&format!("UPDATE dataset SET {undo} WHERE name = 'gia-dat-2025'")).await.unwrap();
        assert_eq!(verify().await.0, 0, "restored after {column}");
    }
}

fn tempdir() -> std::path::PathBuf {
    tinhso_testkit::server::fresh_data_dir().unwrap()
}

async fn ckanapi_story(a: TestServer) {
    let token_a = token(&a, "chuyenvien@tinhso.local").await;
    let v = python(&["actions", &a.url, &token_a, ORG]);
    assert_eq!(v["actions"].as_array().unwrap().len(), 22, "{v}");
    // A second, empty server of the same province; the province admin loads the dump.
    let b = crate::server(a.backend).await;
    let token_b = token(&b, "quantri@tinhso.local").await;
    let dir = tempdir();
    let v = python(&["roundtrip", &a.url, &token_a, &b.url, &token_b, &dir.display().to_string()]);
    assert_eq!(v["datasets"], 1);
}
