//! Harvesting another portal's DCAT catalogue, served over HTTP by the test (Python's
//! http.server): the first run creates, a run after the source changed updates what changed,
//! withdraws what it dropped and creates what it added, a run over an unchanged source does
//! nothing; the same in RDF/XML; and the portal's own JSON-LD catalogue read back.

use reqwest::StatusCode;
use serde_json::{json, Value};
use tinhso_testkit::server::run_cli;
use tinhso_testkit::TestServer;

on_both_backends!(harvest_on_sqlite, harvest_on_postgres, harvest_story);

const ORG: &str = "000-00-03-h08";

fn turtle(datasets: &[(&str, &str, &str)]) -> String {
    let mut t = String::from(
        "@prefix dcat: <http://www.w3.org/ns/dcat#> .\n@prefix dct: <http://purl.org/dc/terms/> .\n\
         @prefix vcard: <http://www.w3.org/2006/vcard/ns#> .\n",
    );
    for (slug, title, keyword) in datasets {
        t.push_str(&format!(
            "<https://data.example.vn/dataset/{slug}> a dcat:Dataset ;\n  dct:title \"{title}\"@vi, \"In English\"@en ;\n  \
             dct:description \"Mô tả {title}.\"@vi ;\n  dcat:keyword \"{keyword}\"@vi ;\n  \
             dct:accrualPeriodicity <http://publications.europa.eu/resource/authority/frequency/ANNUAL> ;\n  \
             dct:license <https://creativecommons.org/licenses/by/4.0/> ;\n  \
             dcat:contactPoint [ a vcard:Kind ; vcard:fn \"Sở Giáo dục\" ; vcard:hasEmail <mailto:sgd@example.vn> ] ;\n  \
             dcat:distribution [ a dcat:Distribution ; dct:title \"Tệp CSV\" ; dcat:downloadURL <https://data.example.vn/{slug}.csv> ;\n    \
             dct:format <http://publications.europa.eu/resource/authority/file-type/CSV> ] .\n"
        ));
    }
    t
}

async fn search_now(s: &TestServer, q: &str) -> Value {
    let r = s
        .client()
        .post(format!("{}/api/3/action/package_search", s.url))
        .json(&json!({ "q": q }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json::<Value>().await.unwrap()["result"].clone()
}

/// The search once the server has caught up with the command's saves: a server reads another
/// process's changes within a second (its copy of the catalogue is at most that stale).
async fn search(s: &TestServer, q: &str, count: u64) -> Value {
    let mut last = Value::Null;
    for _ in 0..30 {
        last = search_now(s, q).await;
        if last["count"] == count {
            return last;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("“{q}” never found {count}: {last}");
}

async fn cli(s: &TestServer, args: &[&str]) -> String {
    let args = [args.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>(), s.data_args()].concat();
    let (code, out, err) = run_cli(crate::bin(), &args).await.unwrap();
    assert_eq!(code, 0, "{args:?}: {out}{err}");
    out
}

async fn harvest_story(s: TestServer) {
    let dir = tinhso_testkit::server::fresh_data_dir().unwrap();
    std::fs::write(
        dir.join("catalog.ttl"),
        turtle(&[("truong-hoc", "Danh sách trường học", "giáo dục"), ("benh-vien", "Bệnh viện tuyến tỉnh", "y tế")]),
    )
    .unwrap();
    let port = tinhso_testkit::server::free_port().unwrap();
    let _server = tokio::process::Command::new("python3")
        .args(["-m", "http.server", &port.to_string(), "--bind", "127.0.0.1"])
        .current_dir(&dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}/catalog.ttl");
    for _ in 0..50 {
        if reqwest::get(&url).await.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let out = cli(&s, &["opendata", "harvest-add", &url, "--org", ORG]).await;
    assert!(out.contains("tạo 2 · cập nhật 0 · không đổi 0 · rút 0"), "{out}");
    let found = search(&s, "truong hoc", 1).await;
    let d = &found["results"][0];
    assert_eq!(d["title"], "Danh sách trường học", "the Vietnamese title is taken");
    assert_eq!(d["license_id"], "cc-by-4.0");
    assert_eq!(d["organization"]["name"], ORG);
    assert_eq!(d["resources"][0]["url"], "https://data.example.vn/truong-hoc.csv");
    assert_eq!(d["resources"][0]["format"], "CSV");
    let extras: Vec<(String, String)> = d["extras"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["key"].as_str().unwrap().into(), e["value"].as_str().unwrap().into()))
        .collect();
    assert!(
        extras.contains(&("frequency".into(), "annual".into()))
            && extras.contains(&("contact_email".into(), "sgd@example.vn".into()))
    );

    // The source changes: one title edited, one dataset dropped, one added.
    std::fs::write(
        dir.join("catalog.ttl"),
        turtle(&[
            ("truong-hoc", "Danh sách trường học năm 2026", "giáo dục"),
            ("cho", "Chợ và siêu thị", "thương mại"),
        ]),
    )
    .unwrap();
    let out = cli(&s, &["opendata", "harvest-run"]).await;
    assert!(out.contains("tạo 1 · cập nhật 1 · không đổi 0 · rút 1"), "{out}");
    search(&s, "benh vien", 0).await;
    search(&s, "truong hoc 2026", 1).await;
    search(&s, "cho sieu thi", 1).await;
    let out = cli(&s, &["opendata", "harvest-run"]).await;
    assert!(out.contains("tạo 0 · cập nhật 0 · không đổi 2 · rút 0"), "an unchanged source changes nothing: {out}");

    // RDF/XML from a file on the server, and this portal's own JSON-LD read back.
    let xml = "<?xml version=\"1.0\"?>\n<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" \
               xmlns:dcat=\"http://www.w3.org/ns/dcat#\" xmlns:dct=\"http://purl.org/dc/terms/\">\n\
               <dcat:Dataset rdf:about=\"https://khac.example.vn/ds/1\"><dct:title xml:lang=\"vi\">Giá vàng</dct:title>\
               <dcat:distribution><dcat:Distribution><dcat:accessURL rdf:resource=\"https://khac.example.vn/gia-vang.json\"/>\
               </dcat:Distribution></dcat:distribution></dcat:Dataset></rdf:RDF>";
    let file = dir.join("khac.rdf");
    std::fs::write(&file, xml).unwrap();
    let out = cli(&s, &["opendata", "harvest-add", &file.display().to_string(), "--org", ORG]).await;
    assert!(out.contains("tạo 1"), "{out}");
    let gold = search(&s, "gia vang", 1).await;
    assert_eq!(gold["results"][0]["license_id"], "notspecified", "no licence given is not taken for an open one");
    assert_eq!(gold["results"][0]["resources"][0]["format"], "JSON");
    let own = format!("{}/catalog.jsonld", s.url);
    let out = cli(&s, &["opendata", "harvest-add", &own, "--org", "000-00-01-h08"]).await;
    assert!(out.contains("tạo 3"), "the three public datasets, read back from JSON-LD: {out}");
    let (code, out, err) =
        run_cli(crate::bin(), &[vec!["audit".into(), "verify".into()], s.data_args()].concat()).await.unwrap();
    assert_eq!(code, 0, "{out}{err}");
}
