//! The dossier lifecycle over the JSON API, on SQLite and PostgreSQL: submit, receive,
//! supplement, pay, process, approve, return, rate; who may see and do what; the audit chain.

use crate::{bin, server};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tinhso_testkit::server::run_cli;
use tinhso_testkit::{Backend, TestServer};

pub(crate) const PASSWORD: &str = "TuyenQuang-demo-2025";
/// Cấp bản sao trích lục hộ tịch: provincial (Sở Tư pháp decides), received at the service centre.
pub(crate) const PROVINCIAL: &str = "2.000635";
const BIRTH: &str = "1.001193";

/// An API caller: a cookie jar plus the session's CSRF token.
pub(crate) struct Caller {
    pub c: reqwest::Client,
    pub id: i64,
    csrf: String,
    base: String,
}

impl Caller {
    /// The session's CSRF token, for writes sent by hand.
    pub fn csrf(&self) -> &str {
        &self.csrf
    }

    pub async fn login(s: &TestServer, login: &str, password: &str) -> Caller {
        Self::login_at(&s.url, login, password).await
    }

    /// The same against the server at `url` (from a task that does not hold the server).
    pub async fn login_at(url: &str, login: &str, password: &str) -> Caller {
        let c = reqwest::Client::builder().cookie_store(true).build().unwrap();
        let r = c
            .post(format!("{url}/api/v1/session"))
            .json(&json!({ "login": login, "password": password }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "login {login}");
        let v: Value = r.json().await.unwrap();
        let id = v["account"]["id"].as_i64().unwrap();
        Caller { c, id, csrf: v["csrf_token"].as_str().unwrap().to_owned(), base: url.to_owned() }
    }

    /// The same session against the server now at `url` (restarted on the same data).
    pub fn at(&self, url: &str) -> Caller {
        Caller { c: self.c.clone(), id: self.id, csrf: self.csrf.clone(), base: url.to_owned() }
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let r = self.c.get(format!("{}{path}", self.base)).send().await.unwrap();
        (r.status(), r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let r = self
            .c
            .post(format!("{}{path}", self.base))
            .header("x-csrf-token", &self.csrf)
            .json(&body)
            .send()
            .await
            .unwrap();
        (r.status(), r.json().await.unwrap_or(Value::Null))
    }

    pub async fn act(&self, code: &str, body: Value) -> (StatusCode, Value) {
        self.post(&format!("/api/v1/dossiers/{code}/actions"), body).await
    }
}

pub(crate) fn generic_form(commune: u64) -> Value {
    json!({
        "ho_ten": "Nguyễn Văn An",
        "so_dinh_danh": "008090001234",
        "so_dien_thoai": "0912 345 678",
        "dia_chi": { "detail": "Thôn Nà Lừa", "commune": commune },
        "noi_dung": "Xin cấp 2 bản sao trích lục khai sinh",
    })
}

/// The birth registration's e-form (1.001193) of a child born at commune `commune`'s health post.
pub(crate) fn birth_form(commune: u64) -> Value {
    let mut birth = generic_form(commune);
    if let Some(fields) = birth.as_object_mut() {
        fields.extend([
            ("ten_tre".to_owned(), json!("Nguyễn Minh Khôi")),
            ("ngay_sinh".to_owned(), json!("2025-03-01")),
            ("gioi_tinh".to_owned(), json!("Nam")),
            ("noi_sinh".to_owned(), json!({ "detail": "Trạm y tế", "commune": commune })),
        ]);
    }
    birth
}

on_both_backends!(lifecycle_on_sqlite, lifecycle_on_postgres, lifecycle);

async fn lifecycle(s: TestServer) {
    let citizen = Caller::login(&s, "0912345678", PASSWORD).await;
    let desk = Caller::login(&s, "tiepnhan@tinhso.local", PASSWORD).await;
    let specialist = Caller::login(&s, "chuyenvien@tinhso.local", PASSWORD).await;
    let approver = Caller::login(&s, "pheduyet@tinhso.local", PASSWORD).await;
    let (_, units) = citizen.get("/api/v1/units?limit=1").await;
    let commune = units["items"][0]["code"].as_u64().unwrap();

    // Bad submissions change nothing and say why.
    let r = citizen
        .c
        .post(format!("{}/api/v1/dossiers", s.url))
        .json(&json!({ "procedure": PROVINCIAL }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "no CSRF header");
    let (st, v) = citizen.post("/api/v1/dossiers", json!({ "procedure": PROVINCIAL, "colour": "red" })).await;
    assert_eq!((st, v["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_body")));
    let mut bad = generic_form(commune);
    bad["so_dinh_danh"] = json!("123");
    bad["la"] = json!("?");
    let (st, v) = citizen.post("/api/v1/dossiers", json!({ "procedure": PROVINCIAL, "form": bad })).await;
    assert_eq!((st, v["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_input")));
    let fields: Vec<&str> = v["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, vec!["form.la", "form.so_dinh_danh"]);
    let (_, mine) = citizen.get("/api/v1/dossiers").await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 0, "nothing written");
    let anonymous = s.client().get(format!("{}/api/v1/dossiers", s.url)).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    // Submission: routed to the service centre, decided by the Department of Justice.
    let (st, d) =
        citizen.post("/api/v1/dossiers", json!({ "procedure": PROVINCIAL, "form": generic_form(commune) })).await;
    assert_eq!(st, StatusCode::CREATED, "{d}");
    let code = d["code"].as_str().unwrap().to_owned();
    assert!(code.starts_with("000.00.90.H08-") && code.ends_with("-0001"), "{code}");
    assert_eq!((d["state_code"].as_u64(), d["competent_agency"].as_str()), (Some(1), Some("000.00.03.H08")));
    let (_, second) =
        citizen.post("/api/v1/dossiers", json!({ "procedure": PROVINCIAL, "form": generic_form(commune) })).await;
    assert!(second["code"].as_str().unwrap().ends_with("-0002"), "daily sequence");
    // A commune-level procedure goes to the commune's People's Committee.
    let birth = birth_form(commune);
    // A fully online procedure: its mandatory documents go up as files first.
    let (_, doc) = citizen.upload("Giấy tờ.pdf", PDF).await;
    let sha = doc["sha256"].as_str().unwrap().to_owned();
    let files: Vec<Value> = (0..4).map(|i| json!({ "component": i, "sha256": sha })).collect();
    let (st, b) = citizen
        .post("/api/v1/dossiers", json!({ "procedure": BIRTH, "commune": commune, "form": birth, "files": files }))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    assert_eq!(b["receiving_agency"], b["competent_agency"]);
    let birth_code = b["code"].as_str().unwrap().to_owned();

    // Staff of another agency cannot see or act on it: not found, so codes cannot be probed.
    let (st, _) = specialist.get(&format!("/api/v1/dossiers/{birth_code}")).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = specialist.act(&birth_code, json!({ "action": "receive" })).await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    // The desk receives; the wrong role or a repeated step is refused and changes nothing.
    let (st, _) = specialist.act(&code, json!({ "action": "receive" })).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "a specialist of the deciding agency does not receive at the centre");
    let (st, d) = desk.act(&code, json!({ "action": "receive" })).await;
    assert_eq!((st, d["state_code"].as_u64()), (StatusCode::OK, Some(2)));
    assert!(d["due_on"].is_string());
    let (st, v) = desk.act(&code, json!({ "action": "receive" })).await;
    assert_eq!((st, v["code"].as_str()), (StatusCode::CONFLICT, Some("illegal_transition")));
    let (st, _) = desk.act(&code, json!({ "action": "approve", "electronic_result": true })).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, v) = desk.act(&code, json!({ "action": "fly" })).await;
    assert_eq!((st, v["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_body")));

    // Processing with one supplement and a fee paid at the desk. Whoever starts holds step 1
    // of the procedure's process (default: examine, then approve).
    let (_, d) = specialist.act(&code, json!({ "action": "start_processing" })).await;
    assert_eq!((d["state_code"].as_u64(), d["assignee"].as_i64()), (Some(4), Some(specialist.id)));
    assert_eq!(d["steps"].as_array().unwrap().len(), 2);
    // And finds it in their own list ("Được giao cho tôi").
    assert!(crate::inbox::held(&s, &specialist).await.1.contains(&code));
    let (_, d) = specialist
        .act(&code, json!({ "action": "request_supplement", "items": ["Bản sao giấy khai sinh"], "reason": "Bản chụp không rõ" }))
        .await;
    assert_eq!(d["state_code"], 5);
    let (st, _) = desk.act(&code, json!({ "action": "supplement", "note": "x" })).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "only the applicant supplements");
    let (_, d) = citizen.act(&code, json!({ "action": "supplement", "note": "Đã tải lên bản rõ" })).await;
    assert_eq!(d["state_code"], 4);
    let (_, d) = specialist.act(&code, json!({ "action": "request_payment", "amount_vnd": 8000 })).await;
    assert_eq!(d["state_code"], 6);
    let (st, _) = citizen.act(&code, json!({ "action": "record_payment", "online": true })).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "an applicant cannot declare the fee paid");
    let (_, d) = desk.act(&code, json!({ "action": "record_payment", "online": false })).await;
    assert_eq!((d["state_code"].as_u64(), d["paid_online"].as_bool()), (Some(4), Some(false)));
    // A step is its holder's: a colleague is refused until a leader reassigns it.
    let colleague = Caller::login(&s, "cv.03@tinhso.local", PASSWORD).await;
    let (st, v) = colleague.act(&code, json!({ "action": "complete_step", "note": "x" })).await;
    assert_eq!((st, v["code"].as_str()), (StatusCode::CONFLICT, Some("step_held_by_other")));
    let (st, _) = colleague.act(&code, json!({ "action": "assign", "assignee": colleague.id })).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "leaders assign work");
    let (st, v) = approver.act(&code, json!({ "action": "assign", "assignee": 999_999 })).await;
    assert_eq!((st, v["code"].as_str()), (StatusCode::BAD_REQUEST, Some("unknown_assignee")));
    let (before, _) = crate::inbox::held(&s, &specialist).await;
    let (st, d) = approver.act(&code, json!({ "action": "assign", "assignee": colleague.id })).await;
    assert_eq!((st, d["assignee"].as_i64()), (StatusCode::OK, Some(colleague.id)));
    // The dossier moves from one officer's own list to the other's.
    let (after, mine) = crate::inbox::held(&s, &specialist).await;
    assert_eq!(after, before - 1);
    assert!(!mine.contains(&code));
    let (load, held_by_colleague) = crate::inbox::held(&s, &colleague).await;
    assert!(held_by_colleague.contains(&code));
    // Where work is given, each colleague's load is said beside their name.
    let page = approver.c.get(format!("{}/ho-so/{code}", s.url)).send().await.unwrap().text().await.unwrap();
    let option = page.split(&format!("<option value=\"{}\">", colleague.id)).nth(1).unwrap_or_default();
    assert!(option.split('<').next().unwrap().ends_with(&format!("(đang giữ {load} hồ sơ)")), "{page}");
    let (st, _) = specialist.act(&code, json!({ "action": "complete_step", "note": "x" })).await;
    assert_eq!(st, StatusCode::CONFLICT, "no longer the holder");
    let next = json!({ "action": "complete_step", "note": "Đã đối chiếu sổ hộ tịch", "next_assignee": approver.id });
    let (_, d) = colleague.act(&code, next).await;
    assert_eq!((d["step"].as_u64(), d["assignee"].as_i64()), (Some(1), Some(approver.id)));
    assert!(crate::inbox::held(&s, &approver).await.1.contains(&code));
    // Each officer a step was given to was told, in their inbox; nobody else was.
    let given = format!("Hồ sơ {code}: được giao cho anh/chị xử lý");
    for (who, told) in [(&colleague, true), (&approver, true), (&specialist, false)] {
        let (_, inbox) = who.get("/api/v1/notifications").await;
        let subjects: Vec<&str> =
            inbox["items"].as_array().unwrap().iter().map(|m| m["subject"].as_str().unwrap()).collect();
        assert_eq!(subjects.contains(&given.as_str()), told, "{subjects:?}");
    }
    assert!(!crate::inbox::held(&s, &colleague).await.1.contains(&code));
    let (st, _) = specialist.act(&code, json!({ "action": "approve", "electronic_result": true })).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "approval is the approver's");
    let (_, d) = approver.act(&code, json!({ "action": "approve", "electronic_result": true })).await;
    assert_eq!((d["state_code"].as_u64(), d["timeliness"].as_str()), (Some(9), Some("early")));
    assert!(!crate::inbox::held(&s, &approver).await.1.contains(&code), "a decided dossier is nobody's work");
    // The desk is prompted to hand the result over.
    let inbox = desk.c.get(format!("{}/ho-so", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(inbox.contains("1 hồ sơ đã có kết quả, chờ trả cho người dân"), "the desk is prompted");
    let (_, d) = desk.act(&code, json!({ "action": "return", "method": "online" })).await;
    assert_eq!(d["state_code"], 10);
    let (_, d) =
        citizen.act(&code, json!({ "action": "rate", "rating": "very_satisfied", "comment": "Nhanh, gọn" })).await;
    assert_eq!(d["rating"], "very_satisfied");

    // History: the applicant sees the public part, staff all of it.
    let (_, mine) = citizen.get(&format!("/api/v1/dossiers/{code}/events")).await;
    let (_, all) = specialist.get(&format!("/api/v1/dossiers/{code}/events")).await;
    let kinds = |v: &Value| -> Vec<String> {
        v["items"].as_array().unwrap().iter().map(|e| e["event"]["kind"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(kinds(&all).len(), 12);
    assert!(kinds(&all).contains(&"step_completed".to_owned()) && !kinds(&mine).contains(&"step_completed".to_owned()));
    assert_eq!(kinds(&mine).len(), 10);

    // Notifications reached the applicant's in-app inbox with the dossier code.
    let (_, inbox) = citizen.get("/api/v1/notifications").await;
    let subjects: Vec<&str> =
        inbox["items"].as_array().unwrap().iter().map(|m| m["subject"].as_str().unwrap()).collect();
    assert!(subjects.contains(&format!("Hồ sơ {code}: đã tiếp nhận").as_str()), "{subjects:?}");
    assert!(subjects.contains(&format!("Hồ sơ {code}: đã nộp").as_str()), "{subjects:?}");

    // Public lookup by code and phone, no login.
    let anon = s.client();
    let lookup = |phone: &str| json!({ "code": code, "phone": phone });
    let r = anon.post(format!("{}/api/v1/lookup", s.url)).json(&lookup("0912345678")).send().await.unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!((v["state_code"].as_u64(), v.get("form")), (Some(10), None));
    assert_eq!(v["status"], "Đã nhận kết quả", "in plain words: {v}");
    // The lookup reads the state alone, so it does not ask for a rating already given.
    assert!(v["next_step"].as_str().unwrap().contains("nếu chưa đánh giá"), "{v}");
    // The applicant's own page knows it was rated, and thanks them.
    let page = citizen.c.get(format!("{}/ho-so/{code}", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Cảm ơn ông/bà đã đánh giá") && !page.contains("Mời ông/bà đánh giá"), "{page}");
    let r = anon.post(format!("{}/api/v1/lookup", s.url)).json(&lookup("0987654321")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // The phone never travels in the address.
    let r = anon.get(format!("{}/api/v1/lookup?code={code}&phone=0912345678", s.url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    // A late dossier's apology letter moves the date the lookup gives to the new one.
    let late = second["code"].as_str().unwrap();
    desk.act(late, json!({ "action": "receive" })).await;
    let (_, d) = specialist.act(late, json!({ "action": "start_processing" })).await;
    let due = chrono::NaiveDate::parse_from_str(d["due_on"].as_str().unwrap(), "%Y-%m-%d").unwrap();
    // The new date must be a working day after the old one: the first the server takes.
    let mut new_due = None;
    for day in (1..15).map(|n| due + chrono::Days::new(n)) {
        let apology = json!({ "action": "apologise", "reason": "Cần xác minh thêm", "new_due_on": day });
        let (st, v) = specialist.act(late, apology).await;
        if st == StatusCode::OK {
            new_due = Some(day);
            break;
        }
        assert_eq!(v["code"], "invalid_new_due_date", "{day}: {v}");
    }
    let new_due = new_due.expect("a working day within two weeks");
    let r = anon.post(format!("{}/api/v1/lookup", s.url)).json(&json!({ "code": late, "phone": "0912345678" }));
    let v: Value = r.send().await.unwrap().json().await.unwrap();
    assert_eq!((v["state_code"].as_u64(), v["due_on"].as_str()), (Some(4), Some(&*new_due.to_string())), "{v}");

    // Another citizen cannot read or act on it.
    tinhso_testkit::server::register_citizen(&s.url, "Lò Văn Páo", "0966111222", "008095001111", "ruộng bậc thang")
        .await
        .unwrap();
    let other = Caller::login(&s, "0966111222", "ruộng bậc thang").await;
    let (st, _) = other.get(&format!("/api/v1/dossiers/{code}")).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = other.act(&code, json!({ "action": "withdraw", "reason": "" })).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (_, theirs) = other.get("/api/v1/dossiers").await;
    assert_eq!(theirs["items"].as_array().unwrap().len(), 0);

    // The audit chain verifies.
    let (code_, out, err) =
        run_cli(bin(), &[vec!["audit".into(), "verify".into()], s.data_args()].concat()).await.unwrap();
    assert_eq!(code_, 0, "{out}{err}");
    // The dossiers' events, the signed result's own entry (lane kq/<agency>) and the set-up's.
    assert!(out.contains(&format!("{} sự kiện của 4 hồ sơ", 18 + SET_UP_ENTRIES)), "{out}");
    s.stop().await.unwrap();
}

/// What the province's set-up writes to the chain (lane `admin`): its calendar years (2024 to
/// 2026), its catalogue, the province with its agencies, and its staff accounts.
pub(crate) const SET_UP_ENTRIES: usize = 6;

/// What `tinhso audit verify` says of `s`'s data: its exit code and output.
pub(crate) async fn verify(s: &TestServer) -> (i32, String) {
    let (code, out, err) =
        run_cli(bin(), &[vec!["audit".into(), "verify".into()], s.data_args()].concat()).await.unwrap();
    (code, format!("{out}{err}"))
}

/// Two servers on one PostgreSQL database take submissions at once: codes stay unique and
/// gap-free per agency and day, no event is lost or duplicated, and the chain verifies.
#[tokio::test]
async fn two_servers_take_concurrent_submissions() {
    let a = server(Backend::Postgres).await;
    let b = TestServer::start_on(
        Backend::Postgres,
        bin(),
        tinhso_testkit::server::fresh_data_dir().unwrap(),
        a.database.clone(),
        &[],
    )
    .await
    .unwrap();
    let (_, units) = Caller::login(&a, "0912345678", PASSWORD).await.get("/api/v1/units?limit=1").await;
    let commune = units["items"][0]["code"].as_u64().unwrap();
    const PER_CLIENT: usize = 10;
    let mut tasks = Vec::new();
    for (i, s) in [&a, &b, &a, &b].into_iter().enumerate() {
        let caller = Caller::login(s, "0912345678", PASSWORD).await;
        let desk = Caller::login(s, "tiepnhan@tinhso.local", PASSWORD).await;
        tasks.push(tokio::spawn(async move {
            let mut codes = Vec::new();
            for _ in 0..PER_CLIENT {
                let (st, d) = caller
                    .post("/api/v1/dossiers", json!({ "procedure": PROVINCIAL, "form": generic_form(commune) }))
                    .await;
                assert_eq!(st, StatusCode::CREATED, "client {i}: {d}");
                let code = d["code"].as_str().unwrap().to_owned();
                let (st, _) = desk.act(&code, json!({ "action": "receive" })).await;
                assert_eq!(st, StatusCode::OK);
                codes.push(code);
            }
            codes
        }));
    }
    let mut codes = Vec::new();
    for t in tasks {
        codes.extend(t.await.unwrap());
    }
    let mut seqs: Vec<u32> = codes.iter().map(|c| c.rsplit('-').next().unwrap().parse().unwrap()).collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=(4 * PER_CLIENT) as u32).collect::<Vec<_>>(), "unique and gap-free");
    let (code, out) = verify(&a).await;
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(&format!("{} sự kiện của {} hồ sơ", 8 * PER_CLIENT + SET_UP_ENTRIES, 4 * PER_CLIENT)),
        "{out}"
    );
    a.stop().await.unwrap();
    b.stop().await.unwrap();
}

/// kill -9 during a stream of submissions: after a restart every acknowledged submission is
/// there with its event, and the chain verifies (SQLite: WAL with synchronous=FULL).
#[tokio::test]
async fn acknowledged_submissions_survive_kill_9() {
    let s = server(Backend::Sqlite).await;
    let (_, units) = Caller::login(&s, "0912345678", PASSWORD).await.get("/api/v1/units?limit=1").await;
    let commune = units["items"][0]["code"].as_u64().unwrap();
    let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let mut streams = Vec::new();
    for _ in 0..4 {
        let caller = Caller::login(&s, "0912345678", PASSWORD).await;
        let acked = acked.clone();
        streams.push(tokio::spawn(async move {
            loop {
                let r = caller
                    .c
                    .post(format!("{}/api/v1/dossiers", caller.base))
                    .header("x-csrf-token", &caller.csrf)
                    .json(&json!({ "procedure": PROVINCIAL, "form": generic_form(commune) }))
                    .send()
                    .await;
                // Once the server dies, requests fail: only 201s with a body count as acknowledged.
                let Ok(r) = r else { break };
                if r.status() != StatusCode::CREATED {
                    break;
                }
                let Ok(v) = r.json::<Value>().await else {
                    break;
                };
                acked.lock().unwrap().push(v["code"].as_str().unwrap().to_owned());
            }
        }));
    }
    while acked.lock().unwrap().len() < 60 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let data = s.data.clone();
    s.stop().await.unwrap(); // SIGKILL: no graceful shutdown
    for t in streams {
        t.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    let again = TestServer::start_on(Backend::Sqlite, bin(), data, None, &[]).await.unwrap();
    let citizen = Caller::login(&again, "0912345678", PASSWORD).await;
    for code in &acked {
        let (st, d) = citizen.get(&format!("/api/v1/dossiers/{code}")).await;
        assert_eq!((st, d["state_code"].as_u64()), (StatusCode::OK, Some(1)), "{code} lost after kill -9");
        let (_, events) = citizen.get(&format!("/api/v1/dossiers/{code}/events")).await;
        assert_eq!(events["items"].as_array().unwrap().len(), 1, "{code}");
    }
    let (code, out) = verify(&again).await;
    assert_eq!(code, 0, "{out}");
    again.stop().await.unwrap();
}

/// The same lifecycle through the pages a person uses (forms, redirects, slips, lookup).
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
/// Small real pictures (Pillow's): a picture's signature alone is refused.
pub(crate) const PNG: &[u8] = include_bytes!("../fixtures/picture.png");
pub(crate) const JPEG: &[u8] = include_bytes!("../fixtures/picture.jpg");

impl Caller {
    pub async fn upload(&self, name: &str, bytes: &[u8]) -> (StatusCode, Value) {
        let encoded: String = name.bytes().map(|b| format!("%{b:02X}")).collect();
        let r = self
            .c
            .post(format!("{}/api/v1/files", self.base))
            .header("x-csrf-token", &self.csrf)
            .header("x-file-name", encoded)
            .body(bytes.to_vec())
            .send()
            .await
            .unwrap();
        (r.status(), r.json().await.unwrap_or(Value::Null))
    }
}

on_both_backends!(files_on_sqlite, files_on_postgres, files);

/// Uploads checked by content, the document store reused, fully-online submission needing
/// every mandatory component, supplements and the result as files, downloads authorized.
async fn files(s: TestServer) {
    const COMMUNE: u64 = 2269; // Xã Thượng Lâm, which has demo staff
    let citizen = Caller::login(&s, "0912345678", PASSWORD).await;
    let (st, v) = citizen.upload("virus.pdf", b"MZ\x90\0\x03\0\0\0").await;
    assert_eq!((st, v["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_file")));
    let (st, _) = citizen.upload("rong.pdf", b"").await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    // A file cut short on its way from the phone, or a picture's signature without a picture:
    // said at once, so the person can send it again now rather than hear of it days later.
    let cut: [(&str, &[u8]); 4] = [
        ("to-khai.pdf", &PDF[..PDF.len() - 8]),
        ("giay-chung-sinh.png", &PNG[..PNG.len() - 12]),
        ("cccd.jpg", &JPEG[..20]),
        ("anh.jpg", b"\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0\xff\xd9"),
    ];
    for (name, bytes) in cut {
        let (st, v) = citizen.upload(name, bytes).await;
        assert_eq!((st, v["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_file")), "{name}: {v}");
        let said = v["message"].as_str().unwrap_or_default();
        assert!(said.contains("không đầy đủ") && said.contains("rồi chọn lại"), "{name}: {said}");
    }
    // A form's envelope instead of the file: its session's token in the header is enough to
    // be read, and the answer says what to send, rather than judging the envelope's type.
    let envelope =
        "--b\r\nContent-Disposition: form-data; name=\"tep\"; filename=\"a.pdf\"\r\n\r\n%PDF-1.4\r\n--b--\r\n";
    let multipart = |token: Option<&str>| {
        let mut r = citizen
            .c
            .post(format!("{}/api/v1/files", citizen.base))
            .header("content-type", "multipart/form-data; boundary=b")
            .body(envelope);
        if let Some(t) = token {
            r = r.header("x-csrf-token", t);
        }
        r.send()
    };
    let r = multipart(Some(&citizen.csrf)).await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "multipart_not_accepted");
    let r = multipart(None).await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "no token: refused before the body is read");
    let mut hashes = Vec::new();
    for (name, bytes) in [("Tờ khai đăng ký khai sinh.pdf", PDF), ("Giấy chứng sinh.png", PNG), ("CCCD mẹ.jpg", JPEG)]
    {
        let (st, v) = citizen.upload(name, bytes).await;
        assert_eq!(st, StatusCode::CREATED, "{v}");
        assert_eq!(v["name"], name);
        hashes.push(v["sha256"].as_str().unwrap().to_owned());
    }
    let (_, docs) = citizen.get("/api/v1/documents").await;
    assert_eq!(docs["items"].as_array().unwrap().len(), 3);

    let birth = birth_form(COMMUNE);
    let submit =
        |files: Value| json!({ "procedure": BIRTH, "commune": COMMUNE, "form": birth.clone(), "files": files });
    let (st, v) = citizen.post("/api/v1/dossiers", submit(json!([]))).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "a fully online procedure needs its documents as files");
    let missing: Vec<&str> = v["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    // Not the declaration (files.0): the platform writes it from the e-form.
    assert_eq!(missing, vec!["files.1", "files.2", "files.3"]);
    let attach = json!([
        { "component": 0, "sha256": hashes[0] }, { "component": 1, "sha256": hashes[1] },
        { "component": 2, "sha256": hashes[2] }, { "component": 3, "sha256": hashes[0] },
    ]);
    let (st, d) = citizen.post("/api/v1/dossiers", submit(attach.clone())).await;
    assert_eq!(st, StatusCode::CREATED, "{d}");
    let code = d["code"].as_str().unwrap().to_owned();
    // The document store is reused: a second dossier names the same files, nothing re-uploaded.
    let (st, _) = citizen.post("/api/v1/dossiers", submit(attach)).await;
    assert_eq!(st, StatusCode::CREATED);

    // Someone else's file cannot be attached even with its hash.
    let other = Caller::login(&s, "0913000001", PASSWORD).await;
    let (st, v) = other
        .post("/api/v1/dossiers", json!({ "procedure": PROVINCIAL, "form": generic_form(COMMUNE), "files": [{ "component": 0, "sha256": hashes[0] }] }))
        .await;
    assert_eq!((st, v["code"].as_str()), (StatusCode::BAD_REQUEST, Some("unknown_file")));

    let (_, list) = citizen.get(&format!("/api/v1/dossiers/{code}/files")).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 4);
    let r = citizen.c.get(format!("{}/api/v1/dossiers/{code}/files/{}", s.url, hashes[1])).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "image/png");
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains("filename*=UTF-8''Gi%E1%BA%A5y"));
    assert_eq!(r.bytes().await.unwrap().as_ref(), PNG);
    let (st, _) = other.get(&format!("/api/v1/dossiers/{code}/files/{}", hashes[1])).await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    // The commune processes it: a supplement arrives as a file, the result is a signed PDF.
    let desk = Caller::login(&s, "motcua.2269@tinhso.local", PASSWORD).await;
    let specialist = Caller::login(&s, "cv.2269@tinhso.local", PASSWORD).await;
    let approver = Caller::login(&s, "ld.2269@tinhso.local", PASSWORD).await;
    assert_eq!(desk.act(&code, json!({ "action": "receive" })).await.0, StatusCode::OK);
    assert_eq!(specialist.act(&code, json!({ "action": "start_processing" })).await.0, StatusCode::OK);
    let ask = json!({ "action": "request_supplement", "items": ["Giấy chứng sinh rõ nét"], "reason": "Ảnh mờ" });
    assert_eq!(specialist.act(&code, ask).await.0, StatusCode::OK);
    let (_, clearer) =
        citizen.upload("Giấy chứng sinh (rõ).png", include_bytes!("../fixtures/picture-clearer.png")).await;
    let clearer = clearer["sha256"].as_str().unwrap().to_owned();
    let (st, _) =
        citizen.act(&code, json!({ "action": "supplement", "note": "Ảnh chụp lại", "files": [clearer] })).await;
    assert_eq!(st, StatusCode::OK);
    // Birth registration has its own three-step process: two specialist steps, then signing.
    for _ in 0..2 {
        let (st, _) = specialist.act(&code, json!({ "action": "complete_step", "note": "Xong" })).await;
        assert_eq!(st, StatusCode::OK);
    }
    let (_, result) = approver.upload("Giấy khai sinh điện tử.pdf", b"%PDF-1.7\n% signed result\n%%EOF").await;
    let result = result["sha256"].as_str().unwrap().to_owned();
    let (st, d) =
        approver.act(&code, json!({ "action": "approve", "electronic_result": true, "result": result })).await;
    assert_eq!((st, d["electronic_result"].as_bool()), (StatusCode::OK, Some(true)));
    let (_, list) = citizen.get(&format!("/api/v1/dossiers/{code}/files")).await;
    let purposes: Vec<&str> =
        list["items"].as_array().unwrap().iter().map(|f| f["purpose"].as_str().unwrap()).collect();
    assert_eq!(purposes, vec!["component", "component", "component", "component", "supplement", "result"]);
    let r = citizen.c.get(format!("{}/api/v1/dossiers/{code}/files/{result}", s.url)).send().await.unwrap();
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"%PDF-1.7\n% signed result\n%%EOF");
    // The applicant's page opens with the result to download and where a paper one is collected.
    let page = citizen.c.get(format!("{}/ho-so/{code}", s.url)).send().await.unwrap().text().await.unwrap();
    let top = page.split("class=\"result\"").nth(1).unwrap_or_default();
    assert!(
        top.contains(&format!("/ho-so/{code}/tep/{result}")) && top.contains("Tải kết quả: Giấy khai sinh điện tử.pdf")
    );
    assert!(top.contains("Kết quả bản giấy (nếu có) nhận tại"), "{top:.300}");
    // The chain names the files: the supplement's and the result's hashes are in the events.
    let (_, events) = specialist.get(&format!("/api/v1/dossiers/{code}/events")).await;
    let text = events.to_string();
    assert!(text.contains(&clearer) && text.contains(&result) && text.contains(&hashes[2]));
    let (code_, out) = verify(&s).await;
    assert_eq!(code_, 0, "{out}");
    s.stop().await.unwrap();
}
