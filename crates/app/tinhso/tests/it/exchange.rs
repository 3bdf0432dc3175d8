//! The one-stop desk and the national population database, through the province's X-Road
//! security server (`fixtures/xroad_population.py`: it checks the protocol's path, service,
//! client and access right as a security server does, and shows its faults on request). The
//! desk fills a person's name and address from their record, catches a wrong name or number
//! before registering, goes on with the papers when the database cannot answer; the person
//! sees who looked them up, inspectors see every lookup, and the audit finds one hidden.

use crate::bin;
use crate::dossier::{verify, PROVINCIAL};
use crate::journey::page_login;
use reqwest::StatusCode;
use std::process::Stdio;
use tinhso_testkit::server::{csrf_of, fresh_data_dir, fresh_pg_database};
use tinhso_testkit::{Backend, TestServer};
use tokio::io::{AsyncBufReadExt, BufReader};

const CLIENT: &str = "VN/GOV/000.00.00.H57/TINHSO";
const SERVICE: &str = "VN/GOV/000.00.00.G10/CSDLDC/tra-cuu-cong-dan";

/// The security server double, running until dropped.
struct SecurityServer {
    url: String,
    /// The client certificate its control paths need too, when it asks for one.
    identity: Option<Vec<u8>>,
    _child: tokio::process::Child,
}

impl SecurityServer {
    async fn start() -> SecurityServer {
        Self::start_with(&[]).await
    }

    /// Over HTTPS with client certificates when `tls` names its certificate, key and client CA.
    async fn start_with(tls: &[&std::path::Path]) -> SecurityServer {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/xroad_population.py");
        let mut child = tokio::process::Command::new("python3")
            .args([script, CLIENT, SERVICE])
            .args(tls)
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("python3");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let line = tokio::time::timeout(std::time::Duration::from_secs(20), lines.next_line())
            .await
            .expect("the security server starts")
            .unwrap()
            .expect("it says where it listens");
        let port = line.strip_prefix("listening ").expect("listening <port>").to_owned();
        let url = if tls.is_empty() { format!("http://127.0.0.1:{port}") } else { format!("https://localhost:{port}") };
        SecurityServer { url, identity: None, _child: child }
    }

    async fn modes(&self, modes: &str) {
        let r = self.control().post(format!("{}/_control/mode", self.url)).form(&[("modes", modes)]).send();
        assert!(r.await.unwrap().status().is_success());
    }

    /// The test's own client to the control paths (trusting the test's certificate).
    fn control(&self) -> reqwest::Client {
        let b = reqwest::Client::builder().danger_accept_invalid_certs(true);
        match &self.identity {
            Some(pem) => b.identity(reqwest::Identity::from_pem(pem).unwrap()).build().unwrap(),
            None => b.build().unwrap(),
        }
    }

    /// What reached it: each request's client, service, path, message id, user and issue.
    async fn log(&self) -> Vec<serde_json::Value> {
        let r = self.control().get(format!("{}/_control/log", self.url)).send().await.unwrap();
        r.json::<Vec<serde_json::Value>>().await.unwrap()
    }
}

async fn server(backend: Backend, ss: &SecurityServer, client: &str) -> TestServer {
    let database = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(fresh_pg_database().await.unwrap()),
    };
    let args =
        ["--exchange-url", ss.url.as_str(), "--exchange-client", client, "--exchange-population-service", SERVICE];
    TestServer::start_on(backend, bin(), fresh_data_dir().unwrap(), database, &args).await.unwrap()
}

/// The desk's form for the provincial procedure, as typed so far (papers all ticked).
fn fields<'a>(token: &'a str, name: &'a str, id: &'a str) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = [
        ("csrf", token),
        ("desk.full_name", name),
        ("desk.personal_id", id),
        ("desk.phone", "0977000333"),
        ("desk.channel", "in_person"),
        ("form.dia_chi", "Tổ 5, phường Phan Thiết"),
        ("form.dia_chi.commune", "2269"),
        ("form.noi_dung", "Xin trích lục khai sinh"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    f.extend((0..8).map(|i| (format!("paper.{i}"), "1".to_owned())));
    f
}

/// The same, the address left for the record to fill.
fn to_look_up<'a>(token: &'a str, id: &'a str) -> Vec<(String, String)> {
    let mut f = fields(token, "", id);
    f.retain(|(k, _)| k != "form.dia_chi");
    f.push(("tra-cuu".to_owned(), "1".to_owned()));
    f
}

fn with(mut f: Vec<(String, String)>, key: &str, value: &str) -> Vec<(String, String)> {
    f.push((key.to_owned(), value.to_owned()));
    f
}

/// The desk's dossiers so far.
async fn registered(desk: &reqwest::Client, s: &TestServer) -> usize {
    let v: serde_json::Value =
        desk.get(format!("{}/api/v1/dossiers?limit=50", s.url)).send().await.unwrap().json().await.unwrap();
    v["items"].as_array().unwrap().len()
}

#[tokio::test]
async fn the_desk_asks_the_population_database_on_sqlite() {
    desk_and_population(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_desk_asks_the_population_database_on_postgres() {
    desk_and_population(Backend::Postgres).await;
}

async fn desk_and_population(backend: Backend) {
    let ss = SecurityServer::start().await;
    let s = server(backend, &ss, CLIENT).await;
    let desk = page_login(&s, "tiepnhan@tinhso.local").await;
    let form_url = format!("{}/mot-cua?thu-tuc={PROVINCIAL}", s.url);
    let post = format!("{}/mot-cua/{PROVINCIAL}", s.url);
    let page = desk.get(&form_url).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("name=\"tra-cuu\""), "the desk offers the lookup");
    let token = csrf_of(&page).unwrap();

    // 1. The number typed, the name and address come from the record.
    let r = desk.post(&post).form(&to_look_up(&token, "008090001234")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"desk.full_name\" name=\"desk.full_name\" value=\"Nguyễn Văn An\""), "{html}");
    assert!(html.contains("sinh ngày 17/05/1990"), "the birth date as dd/mm/yyyy");
    assert!(html.contains("value=\"Tổ 5, phường Phan Thiết, tỉnh Tuyên Quang\""), "the e-form's address filled");
    assert_eq!(registered(&desk, &s).await, 0, "a lookup registers nothing");
    // What went through the exchange: our subsystem, the service, the officer and the procedure.
    let log = ss.log().await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["client"], CLIENT);
    assert_eq!(log[0]["service"], SERVICE);
    assert_eq!(log[0]["path"], "cong-dan/008090001234");
    assert_eq!(log[0]["user"], "VN-tiepnhan@tinhso.local");
    assert_eq!(log[0]["issue"], PROVINCIAL);
    assert_eq!(log[0]["id"].as_str().unwrap().len(), 36, "a UUID message id");

    // 2. A number no citizen holds, and one that is no number (never sent).
    let r = desk.post(&post).form(&with(fields(&token, "", "008095003333"), "tra-cuu", "1")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("Không có công dân mang số định danh này"));
    let r = desk.post(&post).form(&with(fields(&token, "", "12345"), "tra-cuu", "1")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(ss.log().await.len(), 2, "a malformed number is not sent");

    // 3. Registering: a name without its marks, a deceased holder, then the right name.
    let r = desk.post(&post).form(&fields(&token, "Nguyen Van An", "008090001234")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    assert!(html.contains("Họ tên không khớp") && html.contains("“Nguyễn Văn An”"), "{html}");
    assert!(html.contains("value=\"Nguyen Van An\""), "what was typed is kept");
    let r = desk.post(&post).form(&fields(&token, "Lý Văn Đức", "008040000001")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("đã mất"));
    assert_eq!(registered(&desk, &s).await, 0, "nothing registered on a refused check");
    let accounts = "SELECT CAST(count(*) AS BIGINT) FROM account WHERE login = '0977000333'";
    assert_eq!(s.query_i64(accounts).await.unwrap(), 0, "nor an account made for the walk-in");
    // The desk's API holds the name the same way, with every other problem at once.
    let api = crate::dossier::Caller::login(&s, "tiepnhan@tinhso.local", crate::dossier::PASSWORD).await;
    let papers: Vec<u16> = (0..5).collect();
    // A commune that is none, and a name that is not the record's.
    let bad = serde_json::json!({ "procedure": PROVINCIAL, "form": crate::dossier::generic_form(1),
        "desk": { "full_name": "Nguyễn Văn Ân", "personal_id": "008090001234", "phone": "0977000444",
                  "paper_components": papers } });
    let (st, v) = api.post("/api/v1/dossiers", bad).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let codes: Vec<&str> = v["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"resident_name_differs") && codes.len() == 2, "{v}");
    let accounts = "SELECT CAST(count(*) AS BIGINT) FROM account WHERE login = '0977000444'";
    assert_eq!(s.query_i64(accounts).await.unwrap(), 0);
    let r = desk.post(&post).form(&fields(&token, "nguyễn văn  an", "008090001234")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.url().path().ends_with("/phieu/tiep-nhan"), "{}", r.url());
    assert_eq!(registered(&desk, &s).await, 1);

    // 4. The exchange failing in each way: the desk is told, and goes on with the papers.
    for mode in ["down", "access_denied", "wrong_id", "another_person", "html"] {
        ss.modes(mode).await;
        let r = desk.post(&post).form(&with(fields(&token, "", "008185004321"), "tra-cuu", "1")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{mode}");
        let html = r.text().await.unwrap();
        assert!(html.contains("Chưa tra cứu được"), "{mode}");
        assert!(!html.contains("Ma Thị Hoa") && !html.contains("Nguyễn Văn An\""), "{mode}: nothing shown");
    }
    let r = desk.post(&post).form(&fields(&token, "Ma Thị Hoa", "008185004321")).send().await.unwrap();
    assert!(r.url().path().ends_with("/phieu/tiep-nhan"), "registered on the papers: {}", r.url());
    ss.modes("").await;

    // 5. The person sees who looked them up; another person sees nothing of it.
    let citizen = page_login(&s, "0912345678").await;
    let account = citizen.get(format!("{}/tai-khoan", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(account.contains("href=\"/tai-khoan/tra-cuu-dan-cu\""));
    let mine = citizen.get(format!("{}/tai-khoan/tra-cuu-dan-cu", s.url)).send().await.unwrap();
    assert_eq!(mine.status(), StatusCode::OK);
    let mine = mine.text().await.unwrap();
    assert_eq!(mine.matches("<tr><td>").count(), 4, "the fill, the refused names (page, API), the match: {mine}");
    for shown in ["Khớp", "Họ tên không khớp", "Đã lấy thông tin", "Trung tâm Phục vụ hành chính công"]
    {
        assert!(mine.contains(shown), "{shown}: {mine}");
    }
    assert!(!mine.contains("tiepnhan@"), "the officer's identity is for inspectors");
    let data: serde_json::Value =
        citizen.get(format!("{}/tai-khoan/du-lieu", s.url)).send().await.unwrap().json().await.unwrap();
    assert_eq!(data["resident_lookups"].as_array().map(Vec::len), Some(4), "{data}");
    let other = page_login(&s, "0913000001").await;
    let theirs = other.get(format!("{}/tai-khoan/tra-cuu-dan-cu", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(!theirs.contains("<tr><td>"), "{theirs}");

    // 6. Inspectors read every lookup, and one person's; no one else does.
    let auditor = page_login(&s, "kiemtra@tinhso.local").await;
    let all = auditor.get(format!("{}/quan-tri/tra-cuu-dan-cu", s.url)).send().await.unwrap();
    assert_eq!(all.status(), StatusCode::OK);
    let all = all.text().await.unwrap();
    assert_eq!(all.matches("<tr><td>").count(), ss.log().await.len(), "every request that left is logged");
    assert!(all.contains("008185004321") && all.contains("Không tra cứu được") && all.contains("mã băm yêu cầu"));
    let one = auditor.get(format!("{}/quan-tri/tra-cuu-dan-cu?so-dinh-danh=008090001234", s.url)).send();
    assert_eq!(one.await.unwrap().text().await.unwrap().matches("<tr><td>").count(), 4);
    let bad = auditor.get(format!("{}/quan-tri/tra-cuu-dan-cu?so-dinh-danh=12", s.url)).send().await.unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    // Who asked most today, and each officer's own lookups (an inspection of one desk).
    assert!(all.contains("Tra cứu nhiều nhất trong 24 giờ qua"));
    assert!(all.contains("href=\"/quan-tri/tra-cuu-dan-cu?can-bo=tiepnhan%40tinhso.local\""), "{all}");
    let by = auditor.get(format!("{}/quan-tri/tra-cuu-dan-cu?can-bo=tiepnhan%40tinhso.local", s.url)).send();
    assert_eq!(by.await.unwrap().text().await.unwrap().matches("<tr><td>").count(), ss.log().await.len());
    let nobody = auditor.get(format!("{}/quan-tri/tra-cuu-dan-cu?can-bo=khong.co%40tinhso.local", s.url)).send();
    let nobody = nobody.await.unwrap();
    assert_eq!(nobody.status(), StatusCode::BAD_REQUEST);
    assert!(nobody.text().await.unwrap().contains("Không có tài khoản nào đăng nhập bằng khong.co@tinhso.local"));
    for who in [&desk, &citizen] {
        let r = who.get(format!("{}/quan-tri/tra-cuu-dan-cu", s.url)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }

    // Operators see the lookups by outcome: the five faults and the registration on the papers
    // failed, the right name matched, two names differed.
    let text = reqwest::get(format!("{}/metrics", s.url)).await.unwrap().text().await.unwrap();
    let m = crate::metrics::parse(&text);
    assert_eq!(m["__types__"]["tinhso_resident_lookups"], "counter");
    let lookups = |outcome: &str| crate::metrics::value(&m, "tinhso_resident_lookups_total", &[("outcome", outcome)]);
    assert_eq!(lookups("failed"), 6.0);
    assert_eq!(lookups("name_differs"), 2.0);
    assert_eq!(lookups("matches"), 1.0);

    // 7. Every lookup is on the ledger: one deleted, or made to say it found nothing, is named.
    let (code, out) = verify(&s).await;
    assert_eq!(code, 0, "{out}");
    s.exec_sql("UPDATE resident_lookup SET outcome = 'not_found' WHERE outcome = 'found'").await.unwrap();
    let (code, out) = verify(&s).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("lượt tra cứu dữ liệu dân cư"), "{out}");
    s.exec_sql(
        "UPDATE resident_lookup SET outcome = 'found' WHERE outcome = 'not_found' AND personal_id = '008090001234'",
    )
    .await
    .unwrap();
    assert_eq!(verify(&s).await.0, 0);
    s.exec_sql("DELETE FROM resident_lookup WHERE outcome = 'matches'").await.unwrap();
    let (code, out) = verify(&s).await;
    assert_eq!(code, 1, "{out}");
    s.stop().await.unwrap();
}

/// The desk's lookup of the demo citizen's number on `s`: the page that comes back.
async fn look_up(s: &TestServer) -> String {
    let desk = page_login(s, "tiepnhan@tinhso.local").await;
    let page = desk.get(format!("{}/mot-cua?thu-tuc={PROVINCIAL}", s.url)).send().await.unwrap().text().await.unwrap();
    let token = csrf_of(&page).unwrap();
    let r = desk.post(format!("{}/mot-cua/{PROVINCIAL}", s.url)).form(&to_look_up(&token, "008090001234")).send();
    r.await.unwrap().text().await.unwrap()
}

/// A security server that does not answer in time holds the desk for its timeout, not for ever;
/// a platform the exchange does not know is refused, and the operator is told at start of a
/// half-made configuration.
#[tokio::test]
async fn a_slow_or_refusing_exchange_never_stops_the_desk() {
    let ss = SecurityServer::start().await;
    // A platform the exchange has granted no access right.
    let s = server(Backend::Sqlite, &ss, "VN/GOV/000.00.00.H99/OTHER").await;
    let html = look_up(&s).await;
    assert!(html.contains("Chưa tra cứu được") && !html.contains("17/05/1990"), "no access right: nothing read");
    s.stop().await.unwrap();
    // One officer's lookups beyond a busy day's are slowed, never sent: nothing more leaves.
    let s = server(Backend::Sqlite, &ss, CLIENT).await;
    let desk = page_login(&s, "tiepnhan@tinhso.local").await;
    let page = desk.get(format!("{}/mot-cua?thu-tuc={PROVINCIAL}", s.url)).send().await.unwrap().text().await.unwrap();
    let token = csrf_of(&page).unwrap();
    let post = format!("{}/mot-cua/{PROVINCIAL}", s.url);
    let free = tinhso_kernel::guard::Rule::RESIDENT_LOOKUPS.free as usize;
    let before = ss.log().await.len();
    for _ in 0..=free {
        let r = desk.post(&post).form(&to_look_up(&token, "008090001234")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
    let r = desk.post(&post).form(&to_look_up(&token, "008090001234")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key("retry-after"));
    let html = r.text().await.unwrap();
    assert!(!html.contains("17/05/1990") && html.contains("thử lại sau"), "{html}");
    assert_eq!(ss.log().await.len(), before + free + 1, "the slowed lookup never left");
    // Another officer is not slowed for it.
    let other = page_login(&s, "motcua.2269@tinhso.local").await;
    let page = other.get(format!("{}/mot-cua?thu-tuc=1.001193", s.url)).send().await.unwrap().text().await.unwrap();
    let token = csrf_of(&page).unwrap();
    let r = other.post(format!("{}/mot-cua/1.001193", s.url)).form(&to_look_up(&token, "008090001234")).send();
    assert!(r.await.unwrap().text().await.unwrap().contains("17/05/1990"));
    s.stop().await.unwrap();
    // A population service that answers after 20 s.
    let s = server(Backend::Sqlite, &ss, CLIENT).await;
    ss.modes("slow").await;
    let started = std::time::Instant::now();
    assert!(look_up(&s).await.contains("Chưa tra cứu được"));
    let waited = started.elapsed();
    assert!(waited >= std::time::Duration::from_secs(7) && waited < std::time::Duration::from_secs(15), "{waited:?}");
    s.stop().await.unwrap();

    // Half a configuration, or identifiers that are none, stop the server at start, saying why.
    let data = fresh_data_dir().unwrap().display().to_string();
    let plain = ["--exchange-url", "http://ss.example.vn", "--exchange-client", CLIENT];
    let bad_client = ["--exchange-url", ss.url.as_str(), "--exchange-client", "VN/GOV"];
    let service = ["--exchange-population-service", SERVICE];
    for (args, said) in [
        (vec!["--exchange-url", ss.url.as_str()], "phải có đủ cả ba"),
        ([&plain[..], &service[..]].concat(), "https://"),
        ([&bad_client[..], &service[..]].concat(), "--exchange-client"),
    ] {
        let mut cmd = tokio::process::Command::new(bin());
        cmd.args(["serve", "--listen", "127.0.0.1:0", "--data", &data]).args(&args).env("RUST_LOG", "warn");
        let out = tokio::time::timeout(std::time::Duration::from_secs(60), cmd.output()).await.unwrap().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_ne!(out.status.code(), Some(0), "{args:?}");
        assert!(err.contains(said), "{args:?}: {err}");
    }
}

/// A commune's desk officer in headless Chromium: the number typed, the name and address
/// fetched from the population database, the dossier registered; then the citizen finds the
/// lookup on their account, and an inspector finds it in the log. Every page passes axe-core
/// and is kept as a screenshot.
async fn walk(screen: tinhso_testkit::walk::Screen) {
    let ss = SecurityServer::start().await;
    let s = server(Backend::Sqlite, &ss, CLIENT).await;
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..");
    let mut p = tinhso_testkit::walk::Person::start(&s.url, screen, "dan-cu", &workspace).await.unwrap();
    p.open("/dang-nhap").await.unwrap();
    p.fill("Số điện thoại hoặc thư điện tử", "motcua.2269@tinhso.local").await.unwrap();
    p.fill("Mật khẩu", crate::dossier::PASSWORD).await.unwrap();
    p.click("Đăng nhập").await.unwrap();
    p.open("/mot-cua?thu-tuc=1.001193").await.unwrap();
    p.fill("Số định danh cá nhân", "008090001234").await.unwrap();
    p.click("Lấy thông tin từ CSDLQG về dân cư").await.unwrap();
    p.sees("Trong Cơ sở dữ liệu quốc gia về dân cư: Nguyễn Văn An, sinh ngày 17/05/1990").await.unwrap();
    p.fill("Số điện thoại", "0966001234").await.unwrap();
    p.choose("Xã, phường, đặc khu giải quyết hồ sơ", "Xã Thượng Lâm").await.unwrap();
    p.choose("Xã, phường của địa chỉ liên hệ", "Xã Thượng Lâm").await.unwrap();
    p.fill("Họ, chữ đệm và tên của trẻ", "Nguyễn Thị Mai").await.unwrap();
    p.fill("Ngày sinh của trẻ", "20/11/2026").await.unwrap();
    p.choose("Giới tính", "Nữ").await.unwrap();
    p.fill("Nơi sinh", "Trạm y tế xã").await.unwrap();
    p.choose("Xã, phường của nơi sinh", "Xã Thượng Lâm").await.unwrap();
    for paper in
        ["Giấy chứng sinh", "Hộ chiếu/Thẻ căn cước công dân", "Giấy tờ có giá trị chứng minh thông tin về cư trú"]
    {
        p.tick_in(paper, "Đã nhận bản giấy").await.unwrap();
    }
    p.click("Tiếp nhận và in phiếu hẹn").await.unwrap();
    p.sees("PHIẾU TIẾP NHẬN VÀ HẸN TRẢ KẾT QUẢ").await.unwrap();
    p.sees("Nguyễn Văn An").await.unwrap();
    p.open("/").await.unwrap();
    p.click("Đăng xuất").await.unwrap();
    // The citizen, from their account.
    p.open("/dang-nhap").await.unwrap();
    p.fill("Số điện thoại hoặc thư điện tử", "0912345678").await.unwrap();
    p.fill("Mật khẩu", crate::dossier::PASSWORD).await.unwrap();
    p.click("Đăng nhập").await.unwrap();
    p.open("/tai-khoan").await.unwrap();
    p.click("Ai đã tra cứu thông tin của tôi trong Cơ sở dữ liệu quốc gia về dân cư").await.unwrap();
    p.sees("Thủ tục đăng ký khai sinh").await.unwrap();
    p.sees("Khớp").await.unwrap();
    p.click("Đăng xuất").await.unwrap();
    // An inspector, from theirs: a malformed number is said beside the field.
    p.open("/dang-nhap").await.unwrap();
    p.fill("Số điện thoại hoặc thư điện tử", "kiemtra@tinhso.local").await.unwrap();
    p.fill("Mật khẩu", crate::dossier::PASSWORD).await.unwrap();
    p.click("Đăng nhập").await.unwrap();
    p.open("/tai-khoan").await.unwrap();
    p.click("Nhật ký tra cứu dữ liệu dân cư").await.unwrap();
    p.fill("Về ai: số định danh cá nhân (12 chữ số)", "0080900").await.unwrap();
    p.click("Lọc").await.unwrap();
    p.sees("Có lỗi cần sửa").await.unwrap();
    p.fill("Về ai: số định danh cá nhân (12 chữ số)", "008090001234").await.unwrap();
    p.click("Lọc").await.unwrap();
    p.sees("Thủ tục đăng ký khai sinh").await.unwrap();
    p.quit().await.unwrap();
    s.stop().await.unwrap();
}

#[tokio::test]
async fn population_walk_on_a_phone() {
    walk(tinhso_testkit::walk::Screen::Phone).await;
}

#[tokio::test]
async fn population_walk_at_a_desk_screen() {
    walk(tinhso_testkit::walk::Screen::Desk).await;
}

/// A security server that authenticates information systems by certificate, under a
/// provincial CA: without the platform's certificate nothing is read (and the desk goes on);
/// with it (`--exchange-identity`) and the CA (`--exchange-ca`), the lookup goes through TLS.
#[tokio::test]
async fn a_security_server_that_asks_for_our_certificate_gets_it() {
    let dir = fresh_data_dir().unwrap();
    let (ca, cert, key) = crate::mail::certificates(&dir);
    let run = |args: &[&str]| {
        let out = std::process::Command::new("openssl").args(args).current_dir(&dir).output().unwrap();
        assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    run(&["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "is.key", "-out", "is.csr", "-subj", "/CN=TINHSO"]);
    std::fs::write(dir.join("is.cnf"), "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n").unwrap();
    run(&[
        "x509", "-req", "-in", "is.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-out", "is.pem", "-days", "2",
        "-extfile", "is.cnf",
    ]);
    let identity = dir.join("is-identity.pem");
    let pem = [std::fs::read(dir.join("is.pem")).unwrap(), std::fs::read(dir.join("is.key")).unwrap()].concat();
    std::fs::write(&identity, &pem).unwrap();
    let mut ss = SecurityServer::start_with(&[&cert, &key, &ca]).await;
    ss.identity = Some(pem);
    let start = |extra: Vec<String>| {
        let mut args =
            vec!["--exchange-url".to_owned(), ss.url.clone(), "--exchange-client".to_owned(), CLIENT.to_owned()];
        args.extend(["--exchange-population-service".to_owned(), SERVICE.to_owned()]);
        args.extend(extra);
        async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            TestServer::start_on(Backend::Sqlite, bin(), fresh_data_dir().unwrap(), None, &args).await.unwrap()
        }
    };
    let ca_arg = vec!["--exchange-ca".to_owned(), ca.display().to_string()];
    // The CA but no certificate of ours: the security server closes the handshake.
    let s = start(ca_arg.clone()).await;
    let html = look_up(&s).await;
    assert!(html.contains("Chưa tra cứu được") && !html.contains("17/05/1990"));
    s.stop().await.unwrap();
    // Both: the record, over mutually authenticated TLS.
    let s = start([ca_arg, vec!["--exchange-identity".to_owned(), identity.display().to_string()]].concat()).await;
    assert!(look_up(&s).await.contains("sinh ngày 17/05/1990"));
    assert_eq!(ss.log().await.len(), 1, "only the authenticated request was answered");
    s.stop().await.unwrap();
}
