//! A data disk down to its reserve (`--disk-reserve-mb`): uploads are refused with the
//! server's own words (503 `storage_full` to programs, the message at the file's input on a
//! page) and nothing is left half-stored, while the files already kept still make a dossier;
//! `/metrics` says the disk's room and counts the refusals, as Prometheus parses them.
//!
//! Pages answer 503 too, with the form as it was typed.
//!
//! The disk is not filled for the test (that would fill the machine's): the server is started
//! again on the same data with a reserve larger than any disk, which is the same condition.

use crate::dossier::{birth_form, Caller, JPEG, PASSWORD, PNG};
use crate::journey::{csrf, multipart};
use crate::metrics::{parse, value};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tinhso_testkit::server::{fresh_data_dir, fresh_pg_database};
use tinhso_testkit::{Backend, TestServer};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
const BIRTH: &str = "1.001193";
const COMMUNE: u64 = 2269;
/// About 95 TiB: more than this machine's disk, so the disk is "down to its reserve".
const BEYOND_ANY_DISK_MB: &str = "100000000";

async fn metrics(s: &TestServer) -> Value {
    parse(&reqwest::get(format!("{}/metrics", s.url)).await.unwrap().text().await.unwrap())
}

/// Files left staged under the data directory (an upload refused must leave none).
#[allow(clippy::disallowed_methods)] // a test's look at the disk, no server work waits on it
fn staged(s: &TestServer) -> usize {
    std::fs::read_dir(s.data.join("files").join("tmp")).map(|d| d.count()).unwrap_or(0)
}

async fn a_full_disk_refuses_uploads_not_dossiers(backend: Backend) {
    let data = fresh_data_dir().unwrap();
    let database = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(fresh_pg_database().await.unwrap()),
    };
    // With room: the citizen keeps three documents, and the disk is said as it is.
    let s = TestServer::start_on(backend, crate::bin(), data.clone(), database.clone(), &[]).await.unwrap();
    let m = metrics(&s).await;
    let (free, size) = (value(&m, "tinhso_data_disk_free_bytes", &[]), value(&m, "tinhso_data_disk_size_bytes", &[]));
    assert!(free > 0.0 && free <= size, "free {free} of {size}");
    assert_eq!(value(&m, "tinhso_data_disk_reserve_bytes", &[]), 512.0 * 1024.0 * 1024.0, "the default reserve");
    assert_eq!(value(&m, "tinhso_uploads_refused_no_room_total", &[]), 0.0);
    assert_eq!(m["__types__"]["tinhso_uploads_refused_no_room"], "counter");
    let citizen = Caller::login(&s, "0912345678", PASSWORD).await;
    let mut hashes = Vec::new();
    for (name, bytes) in [("to-khai.pdf", PDF), ("giay-chung-sinh.png", PNG), ("cccd-me.jpg", JPEG)] {
        let (st, v) = citizen.upload(name, bytes).await;
        assert_eq!(st, StatusCode::CREATED, "{v}");
        hashes.push(v["sha256"].as_str().unwrap().to_owned());
    }
    s.stop().await.unwrap();

    // The same data, the disk now at its reserve.
    let args = ["--disk-reserve-mb", BEYOND_ANY_DISK_MB];
    let s = TestServer::start_on(backend, crate::bin(), data, database, &args).await.unwrap();
    let citizen = Caller::login(&s, "0912345678", PASSWORD).await;
    let (st, v) = citizen.upload("anh-moi.png", PNG).await;
    assert_eq!((st, v["code"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("storage_full")), "{v}");
    let said = v["message"].as_str().unwrap();
    assert!(said.contains("không còn đủ chỗ lưu tệp") && said.contains("Bộ phận Một cửa"), "{said}");
    // On the document store's page: the same words, at the file's input.
    let c = crate::journey::page_login(&s, "0912345678").await;
    let store = c.get(format!("{}/kho-du-lieu", s.url)).send().await.unwrap().text().await.unwrap();
    let token = csrf(&store);
    let (ct, body) = multipart(&[("csrf", &token)], &[("file.new", "giay-to-moi.pdf", PDF)]);
    let r = c.post(format!("{}/kho-du-lieu?csrf={token}", s.url)).header("content-type", ct).body(body);
    let r = r.send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE, "the server's trouble, not the sender's mistake");
    let page = r.text().await.unwrap();
    assert!(page.contains("Máy chủ tạm thời không còn đủ chỗ lưu tệp nên chưa nhận tệp này"), "{page:.3000}");
    assert_eq!(staged(&s), 0, "nothing left staged");
    let (_, docs) = citizen.get("/api/v1/documents").await;
    assert_eq!(docs["items"].as_array().unwrap().len(), 3, "nothing kept of the refused uploads");

    // An agency publishing open data: its form is shown again with what was typed and the
    // words at the file's input; a program calling CKAN's API is told to come back later.
    let admin = crate::journey::page_login(&s, "quantri.coquan@tinhso.local").await;
    let new = admin.get(format!("{}/du-lieu/moi", s.url)).send().await.unwrap().text().await.unwrap();
    let token = csrf(&new);
    let fields = [("csrf", token.as_str()), ("tieu-de", "Danh sách điểm thu gom rác"), ("to-chuc", "000-00-03-h08")];
    let (ct, body) = multipart(&fields, &[("tep", "diem-thu-gom.csv", b"Xa,Diem\nAn Tuong,1\n")]);
    let r = admin.post(format!("{}/du-lieu/moi?csrf={token}", s.url)).header("content-type", ct).body(body);
    let r = r.send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    let page = r.text().await.unwrap();
    assert!(page.contains("Danh sách điểm thu gom rác"), "the title typed is kept: {page:.3000}");
    assert!(page.contains("id=\"tep-loi\"") && page.contains("không còn đủ chỗ lưu tệp"), "{page:.3000}");
    let key = crate::opendata::token(&s, "chuyenvien@tinhso.local").await;
    let (ct, body) = multipart(&[("package_id", "khong-can")], &[("upload", "bang.csv", b"a,b\n1,2\n")]);
    let r = reqwest::Client::new()
        .post(format!("{}/api/3/action/resource_create", s.url))
        .header("content-type", ct)
        .header("X-CKAN-API-Key", &key)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.headers().contains_key("retry-after"), "{:?}", r.headers());
    let v: Value = r.json().await.unwrap();
    assert_eq!((v["success"].as_bool(), v["error"]["__type"].as_str()), (Some(false), Some("Service Unavailable")));
    assert_eq!(staged(&s), 0, "nothing left staged");

    // A field report with a photo: what was typed in the field is shown again, the photo's
    // input says why it was not taken.
    let photo = crate::reports_photos::phone_photo(&fresh_data_dir().unwrap());
    let form = c.get(format!("{}/phan-anh/gui", s.url)).send().await.unwrap().text().await.unwrap();
    let token = csrf(&form);
    let commune = COMMUNE.to_string();
    let fields = [
        ("csrf", token.as_str()),
        ("category", "cay-xanh"),
        ("description", "Cây đổ chắn ngang đường sau bão"),
        ("commune", commune.as_str()),
    ];
    let (ct, body) = multipart(&fields, &[("photo", "cay-do.jpg", &photo)]);
    let r = c.post(format!("{}/phan-anh/gui?csrf={token}", s.url)).header("content-type", ct).body(body);
    let r = r.send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    let page = r.text().await.unwrap();
    assert!(page.contains("Cây đổ chắn ngang đường sau bão"), "the report typed is kept: {page:.3000}");
    assert!(page.contains("không còn đủ chỗ lưu tệp"), "{page:.3000}");

    // The files already kept still make a dossier, and it is looked up as ever.
    let form = birth_form(COMMUNE);
    let files = json!([
        { "component": 0, "sha256": hashes[0] }, { "component": 1, "sha256": hashes[1] },
        { "component": 2, "sha256": hashes[2] }, { "component": 3, "sha256": hashes[0] },
    ]);
    let sent = json!({ "procedure": BIRTH, "commune": COMMUNE, "form": form, "files": files });
    let (st, d) = citizen.post("/api/v1/dossiers", sent).await;
    assert_eq!(st, StatusCode::CREATED, "{d}");
    let (st, _) = citizen.get(&format!("/api/v1/dossiers/{}", d["code"].as_str().unwrap())).await;
    assert_eq!(st, StatusCode::OK);

    // The operator's view: the reserve as set, both refusals counted.
    let m = metrics(&s).await;
    assert_eq!(value(&m, "tinhso_data_disk_reserve_bytes", &[]), 1e8 * 1024.0 * 1024.0);
    assert_eq!(value(&m, "tinhso_uploads_refused_no_room_total", &[]), 5.0, "the API, three pages, CKAN");
    s.stop().await.unwrap();
}

#[tokio::test]
async fn a_full_disk_refuses_uploads_not_dossiers_on_sqlite() {
    a_full_disk_refuses_uploads_not_dossiers(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_full_disk_refuses_uploads_not_dossiers_on_postgres() {
    a_full_disk_refuses_uploads_not_dossiers(Backend::Postgres).await;
}

/// The disk fills while an upload is written (ENOSPC on the staged file, injected by the
/// `failsync.c` shim): the same refusal, nothing left staged, and the next upload, once there
/// is room again, is taken.
#[tokio::test]
async fn a_disk_filling_during_an_upload_refuses_it_cleanly() {
    let scratch = fresh_data_dir().unwrap();
    let lib = crate::durability::failsync_library(&scratch);
    let flag = scratch.join("disk-full");
    std::fs::write(&flag, b"").unwrap();
    let env = [("LD_PRELOAD", lib.to_str().unwrap()), ("TINHSO_FAIL_UPLOAD_FLAG", flag.to_str().unwrap())];
    let data = fresh_data_dir().unwrap();
    let s =
        TestServer::start_with_env(Backend::Sqlite, crate::bin(), data, None, "127.0.0.1:0", &[], &env).await.unwrap();
    let citizen = Caller::login(&s, "0912345678", PASSWORD).await;
    let (st, v) = citizen.upload("to-khai.pdf", PDF).await;
    assert_eq!((st, v["code"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("storage_full")), "{v}");
    assert_eq!(staged(&s), 0, "the partial file is removed");
    assert_eq!(value(&metrics(&s).await, "tinhso_uploads_refused_no_room_total", &[]), 1.0);
    std::fs::remove_file(&flag).unwrap();
    let (st, v) = citizen.upload("to-khai.pdf", PDF).await;
    assert_eq!(st, StatusCode::CREATED, "room again: {v}");
    let (_, docs) = citizen.get("/api/v1/documents").await;
    assert_eq!(docs["items"].as_array().unwrap().len(), 1);
    s.stop().await.unwrap();
}
