//! Citizens' feedback and field reports, as a citizen on a phone without JavaScript, an
//! anonymous visitor, the handling agency, a leader, an Open311 client (raw requests, XML read
//! by a real parser, and the PyPI client `georeport`) and an auditor would meet them.

use reqwest::StatusCode;
use serde_json::Value;
use tinhso_testkit::server::run_cli;
use tinhso_testkit::{Backend, TestServer};

on_both_backends!(reports_on_sqlite, reports_on_postgres, reports_story);

pub(crate) const PASSWORD: &str = "TuyenQuang-demo-2025";

pub(crate) fn csrf(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").map(|i| i + 19).expect("csrf field");
    html[at..].split('"').next().unwrap().to_owned()
}

pub(crate) async fn page(c: &reqwest::Client, url: &str) -> (StatusCode, String) {
    let r = c.get(url).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

pub(crate) async fn login(s: &TestServer, login: &str) -> reqwest::Client {
    let c = s.client();
    let (_, html) = page(&c, &format!("{}/dang-nhap", s.url)).await;
    let r = c
        .post(format!("{}/dang-nhap", s.url))
        .form(&[("csrf", csrf(&html).as_str()), ("login", login), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "login {login}");
    c
}

/// Posts the reporting form as a browser would (fresh CSRF token from the form page).
pub(crate) async fn send(s: &TestServer, c: &reqwest::Client, fields: &[(&str, &str)]) -> reqwest::Response {
    let (_, html) = page(c, &format!("{}/phan-anh/gui", s.url)).await;
    let token = csrf(&html);
    let mut form: Vec<(&str, &str)> = vec![("csrf", token.as_str())];
    form.extend_from_slice(fields);
    c.post(format!("{}/phan-anh/gui", s.url)).form(&form).send().await.unwrap()
}

/// The report number a redirect after sending names.
pub(crate) fn sent_id(r: &reqwest::Response) -> i64 {
    let path = r.url().path().to_owned();
    path.strip_prefix("/phan-anh/").and_then(|p| p.parse().ok()).unwrap_or_else(|| panic!("not a report page: {path}"))
}

pub(crate) async fn act(s: &TestServer, c: &reqwest::Client, id: i64, fields: &[(&str, &str)]) -> (StatusCode, String) {
    // Any form of the visitor's carries their token (the report page has none for visitors).
    let (_, html) = page(c, &format!("{}/phan-anh/gui", s.url)).await;
    let token = csrf(&html);
    let mut form: Vec<(&str, &str)> = vec![("csrf", token.as_str())];
    form.extend_from_slice(fields);
    let r = c.post(format!("{}/phan-anh/{id}/hanh-dong", s.url)).form(&form).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

pub(crate) async fn json(c: &reqwest::Client, url: &str) -> (StatusCode, Value) {
    let r = c.get(url).send().await.unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or_else(|e| panic!("{url}: {e}: {text}")))
}

pub(crate) fn python(script: &str) -> String {
    let out = std::process::Command::new("python3").args(["-c", script]).output().expect("python3");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "python failed: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

/// Someone who chose English reads the report pages, sends a report and follows it in English
/// (the texts people typed stay as typed).
#[tokio::test]
async fn reports_in_english() {
    let s = crate::server(tinhso_testkit::Backend::Sqlite).await;
    let en = s.client();
    en.get(format!("{}/ngon-ngu/en", s.url)).send().await.unwrap();
    let (_, form) = page(&en, &format!("{}/phan-anh/gui", s.url)).await;
    for text in ["<h1>Send feedback or a report</h1>", "Choose a category", "How to reach you (optional)", "Roads"] {
        assert!(form.contains(text), "{text} on the form");
    }
    let (_, units) = json(&en, &format!("{}/api/v1/units?limit=1", s.url)).await;
    let commune = units["items"][0]["code"].as_i64().unwrap().to_string();
    let r = send(&s, &en, &[("category", ""), ("description", "short")]).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    assert!(html.contains("<title>Error: ") && !html.contains("Chọn lĩnh vực phản ánh"), "errors in English");
    let r = send(
        &s,
        &en,
        &[("category", "duong-sa"), ("description", "Ổ gà lớn trước cổng trường tiểu học"), ("commune", &commune)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let id = sent_id(&r);
    let html = r.text().await.unwrap();
    assert!(html.contains(&format!("Report sent: PA-{id}")) && html.contains("Awaiting triage"), "{html:.4000}");
    assert!(html.contains("Received, given to") && html.contains("Ổ gà lớn trước cổng trường"), "{html:.4000}");
    let (_, list) = page(&en, &format!("{}/phan-anh", s.url)).await;
    assert!(list.contains("<h1>Feedback and reports</h1>") && list.contains("Search and filter"));
    assert!(list.contains(&format!("PA-{id}")) && list.contains("On track"));
    // The Vietnamese pages are unchanged for everyone else.
    let (_, vi) = page(&s.client(), &format!("{}/phan-anh/{id}", s.url)).await;
    assert!(vi.contains("Chờ phân loại") && !vi.contains("Awaiting triage"));
    s.stop().await.unwrap();
}

async fn reports_story(s: TestServer) {
    let anon = s.client();
    let (_, units) = json(&anon, &format!("{}/api/v1/units?limit=1", s.url)).await;
    let commune = units["items"][0]["code"].as_i64().unwrap().to_string();
    let commune_name = units["items"][0]["name"].as_str().unwrap().to_owned();

    // Every problem at once, nothing stored.
    let r = send(&s, &anon, &[("category", ""), ("description", "ngắn"), ("lat", "x"), ("lon", "")]).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    for msg in ["Chọn lĩnh vực phản ánh", "ít nhất 10 ký tự", "Toạ độ phải gồm vĩ độ và kinh độ"]
    {
        assert!(html.contains(msg), "missing error {msg}");
    }
    let (_, count) = json(&anon, &format!("{}/open311/v2/requests.json", s.url)).await;
    assert_eq!(count.as_array().unwrap().len(), 0, "{count}");

    // A citizen asks to be told of new reports in their commune.
    let citizen = login(&s, "0912345678").await;
    let (_, html) = page(&citizen, &format!("{}/phan-anh?xa={commune}", s.url)).await;
    assert!(html.contains("Nhận thông báo khi có phản ánh mới ở đây"));
    let r = citizen
        .post(format!("{}/phan-anh/xa/{commune}/theo-doi", s.url))
        .form(&[("csrf", csrf(&html).as_str()), ("bat", "1")])
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("Bạn đang nhận thông báo khi có phản ánh mới"));
    // An anonymous field report without JavaScript: commune and address; contact kept private.
    let r = send(
        &s,
        &anon,
        &[
            ("category", "duong-sa"),
            ("description", "Ổ gà lớn trước cổng trường tiểu học, xe máy ngã nhiều lần"),
            ("commune", &commune),
            ("address", "Đường Lê Lợi, tổ 5"),
            ("lat", "21.823600"),
            ("lon", "105.214000"),
            ("name", "Lê Thị Bình"),
            ("contact", "0987654321"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let first = sent_id(&r);
    let html = r.text().await.unwrap();
    assert!(html.contains(&format!("Đã gửi phản ánh PA-{first}")), "confirmation at the end");
    assert!(html.contains("Hạn xử lý") && !html.contains("0987654321") && !html.contains("Lê Thị Bình"));

    // The same pothole 20 m away: the open report is offered first, nothing is made.
    let near = [
        ("category", "duong-sa"),
        ("description", "Đường có hố sâu gần trường học"),
        ("commune", commune.as_str()),
        ("lat", "21.823780"),
        ("lon", "105.214000"),
    ];
    let r = send(&s, &anon, &near).await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("Đã có người phản ánh vấn đề này gần đây") && html.contains(&format!("/phan-anh/{first}")));
    assert!(html.contains("cách khoảng 20 m"), "distance shown");
    assert!(html.contains("Đường có hố sâu gần trường học"), "nothing retyped");
    // A different category at the same place is not a duplicate; sending anyway makes a new one.
    let r = send(&s, &anon, &[&near[..], &[("send_anyway", "1")]].concat()).await;
    let second = sent_id(&r);
    assert_eq!(second, first + 1);

    // The subscriber was told (once per report).
    let (_, inbox) = json(&citizen, &format!("{}/api/v1/notifications", s.url)).await;
    let told: Vec<&Value> = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["subject"].as_str().unwrap().starts_with("Phản ánh mới ở"))
        .collect();
    assert_eq!(told.len(), 2, "{inbox}");
    assert!(told.iter().any(|m| m["body"].as_str().unwrap().contains(&format!("PA-{first}"))));
    // A citizen logged in reports about a public service; they follow it.
    let r = send(
        &s,
        &citizen,
        &[("category", "thu-tuc-hanh-chinh"), ("description", "Cán bộ hẹn trả kết quả nhưng đến nơi chưa có")],
    )
    .await;
    let mine = sent_id(&r);
    assert!(r.text().await.unwrap().contains("Bạn đang theo dõi phản ánh này"));

    // Search without diacritics, filters, the list works without JavaScript.
    let (status, html) = page(&anon, &format!("{}/phan-anh?q=o+ga+truong&xa={commune}", s.url)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!("PA-{first}:")) && !html.contains(&format!("PA-{mine}:")));
    assert!(html.contains(&format!("/phan-anh/xa/{commune}/atom")));
    let (status, html) = page(&anon, &format!("{}/phan-anh?trang-thai=fixed", s.url)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Không có phản ánh nào phù hợp"));
    let (status, html) = page(&anon, &format!("{}/phan-anh?tu=31/02/2026", s.url)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("dd/mm/yyyy"));

    // Another agency's specialist may not act; the leader may (escalated reports land there).
    let other = login(&s, "chuyenvien@tinhso.local").await;
    let (status, _) = act(&s, &other, first, &[("lenh", "accept")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let leader = login(&s, "lanhdao@tinhso.local").await;
    let (_, html) = page(&leader, &format!("{}/phan-anh/{first}", s.url)).await;
    assert!(html.contains("0987654321") && html.contains("Lê Thị Bình"), "the handling side sees the contact");
    let (status, _) = act(&s, &leader, first, &[("lenh", "accept")]).await;
    assert_eq!(status, StatusCode::OK);
    let (status, html) = act(&s, &leader, first, &[("lenh", "accept")]).await;
    assert_eq!(status, StatusCode::CONFLICT, "accepted once");
    assert!(html.contains("Phản ánh đã được phân loại"));
    let (status, html) = act(&s, &leader, first, &[("lenh", "fix"), ("noi-dung", "  ")]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(html.contains("Nhập nội dung trả lời công khai"));
    act(&s, &leader, first, &[("lenh", "note"), ("noi-dung", "Đội duy tu số 2 xử lý")]).await;
    let (status, _) =
        act(&s, &leader, first, &[("lenh", "fix"), ("noi-dung", "Đã vá ổ gà ngày hôm nay bằng bê tông nhựa")]).await;
    assert_eq!(status, StatusCode::OK);
    // A standard answer fills an empty text.
    let (status, html) =
        act(&s, &leader, first, &[("lenh", "update"), ("noi-dung", ""), ("mau", "da-khac-phuc")]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Cơ quan đã kiểm tra và khắc phục xong"));
    // The duplicate is merged into the first.
    let (status, _) = act(&s, &leader, second, &[("lenh", "mark_duplicate"), ("so", &format!("PA-{first}"))]).await;
    assert_eq!(status, StatusCode::OK);

    // The public sees the answer and the public history, not the internal note or the contact.
    let (_, html) = page(&anon, &format!("{}/phan-anh/{first}", s.url)).await;
    assert!(html.contains("Đã khắc phục") && html.contains("Đã vá ổ gà ngày hôm nay"));
    assert!(!html.contains("Đội duy tu") && !html.contains("0987654321") && !html.contains("Lê Thị Bình"));
    let (_, html) = page(&anon, &format!("{}/phan-anh/{second}", s.url)).await;
    assert!(html.contains(&format!("Trùng với phản ánh PA-{first}")));

    // The reporter of the service feedback: the agency asks for more; they answer; it closes;
    // they rate it and may complain again.
    act(&s, &leader, mine, &[("lenh", "request_info"), ("noi-dung", "Xin cho biết mã hồ sơ")]).await;
    let (_, html) = page(&citizen, &format!("{}/phan-anh/{mine}", s.url)).await;
    assert!(html.contains("Bổ sung thông tin") && html.contains("Xin cho biết mã hồ sơ"));
    let (status, _) =
        act(&s, &citizen, mine, &[("lenh", "provide_info"), ("noi-dung", "Mã hồ sơ đã ghi trên phiếu")]).await;
    assert_eq!(status, StatusCode::OK);
    let (_, html) = act(&s, &anon, mine, &[("lenh", "rate"), ("hai-long", "0")]).await;
    assert!(html.contains("action=\"/dang-nhap\""), "anonymous visitors are sent to log in, not allowed to rate");
    let (status, _) = act(&s, &citizen, mine, &[("lenh", "rate"), ("hai-long", "0")]).await;
    assert_eq!(status, StatusCode::CONFLICT, "not answered yet");
    act(&s, &leader, mine, &[("lenh", "close"), ("noi-dung", "Đã trả kết quả cho công dân")]).await;
    let (status, _) = act(&s, &citizen, mine, &[("lenh", "rate"), ("hai-long", "0"), ("noi-dung", "Chậm")]).await;
    assert_eq!(status, StatusCode::OK);
    // Decision 766 group 5 counts it, handled on time, and opens onto exactly it.
    let (status, html) = page(&leader, &format!("{}/dieu-hanh/chi-so/5.1-5.3", s.url)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("100") && html.contains("so-lieu=feedback_due"), "computed, not 'Chưa nhập'");
    let (status, html) = page(&leader, &format!("{}/dieu-hanh/ho-so?so-lieu=feedback_due", s.url)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!(">PA-{mine}<")) && html.contains("<strong>1</strong> phản ánh"), "{html}");
    // The operations centre's view of reports: by category, agency and commune.
    let (status, html) = page(&leader, &format!("{}/dieu-hanh/phan-anh", s.url)).await;
    assert_eq!(status, StatusCode::OK);
    let lead = html.split("<p class=\"lead\">").nth(1).unwrap().split("</p>").next().unwrap();
    let words: String = lead.split('<').map(|p| p.split_once('>').map_or(p, |(_, t)| t)).collect();
    assert!(words.contains("2 phản ánh, 0 đang xử lý, 0 quá hạn, xử lý đúng hạn 100%"), "duplicates left out: {words}");
    // The total opens the list of those two; the plain list shows the duplicate as well.
    let total =
        lead.split("<a href=\"").nth(1).unwrap().split('"').next().unwrap().replace("&#38;", "&").replace("&amp;", "&");
    assert!(total.contains("trang-thai=khong-trung"), "{total}");
    let count = |html: &str| {
        html.split("id=\"count\"")
            .nth(1)
            .unwrap()
            .split("</strong>")
            .next()
            .unwrap()
            .rsplit('>')
            .next()
            .unwrap()
            .to_owned()
    };
    assert_eq!(count(&page(&leader, &format!("{}{total}", s.url)).await.1), "2");
    assert_eq!(
        count(&page(&leader, &format!("{}{}", s.url, total.replace("&trang-thai=khong-trung", ""))).await.1),
        "3"
    );
    let at = html.find("<a href=\"/phan-anh?danh-muc=duong-sa").unwrap();
    let row = html[at..].split("</tr>").next().unwrap().to_owned();
    assert!(
        row.contains("Đường sá, giao thông</a></th><td><a ")
            && row.contains(">1</a></td><td>0</td><td>0</td><td>100%</td>"),
        "{row}"
    );
    assert!(
        html.contains(&format!("<a href=\"/phan-anh?xa={commune}&")) && html.contains("heat-"),
        "heat table by commune"
    );
    let (status, _) = page(&citizen, &format!("{}/dieu-hanh/phan-anh", s.url)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = page(&leader, &format!("{}/dieu-hanh/phan-anh?tu=99/99/2026", s.url)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, v) = json(&leader, &format!("{}/api/v1/ioc/dossiers?measure=feedback_due", s.url)).await;
    assert_eq!((status, v["code"].as_str()), (StatusCode::BAD_REQUEST, Some("measure_of_reports")));
    let (status, _) = act(&s, &citizen, mine, &[("lenh", "reopen"), ("noi-dung", "Vẫn chưa nhận được")]).await;
    assert_eq!(status, StatusCode::OK);
    let (_, html) = page(&anon, &format!("{}/phan-anh/{mine}", s.url)).await;
    assert!(html.contains("Người phản ánh phản ánh lại") && html.contains("Đã tiếp nhận"));
    let (status, inbox) = json(&citizen, &format!("{}/api/v1/notifications", s.url)).await;
    assert_eq!(status, StatusCode::OK);
    let told =
        inbox["items"].as_array().unwrap().iter().filter(|m| m["subject"] == format!("Phản ánh PA-{mine}")).count();
    assert!(told >= 2, "the follower was told of the request and the answer: {inbox}");
    // Their copy of their personal data holds the report they sent, with what they gave; not
    // the anonymous ones.
    let (_, copy) = json(&citizen, &format!("{}/tai-khoan/du-lieu", s.url)).await;
    let sent: Vec<&serde_json::Value> = copy["reports"].as_array().unwrap().iter().collect();
    assert_eq!(sent.len(), 1, "{copy}");
    assert_eq!((sent[0]["id"].as_str(), sent[0]["sent_by_you"].as_bool()), (Some(&*format!("PA-{mine}")), Some(true)));
    assert!(sent[0]["description"].as_str().is_some_and(|d| !d.is_empty()), "{copy}");

    // Moderation: hidden text leaves the public pages and the API, with its reason kept.
    let (status, _) = act(&s, &leader, second, &[("lenh", "hide"), ("noi-dung", "Nội dung xúc phạm")]).await;
    assert_eq!(status, StatusCode::OK);
    let (_, html) = page(&anon, &format!("{}/phan-anh/{second}", s.url)).await;
    assert!(html.contains("Nội dung đã được ẩn") && !html.contains("Đường có hố sâu"));

    // The Atom feed of the commune parses as XML and lists its reports.
    let feed = anon.get(format!("{}/phan-anh/xa/{commune}/atom", s.url)).send().await.unwrap();
    assert_eq!(feed.headers()["content-type"], "application/atom+xml; charset=utf-8");
    let xml = feed.text().await.unwrap();
    let out = python(&format!(
        "import sys, xml.etree.ElementTree as E\nns={{'a':'http://www.w3.org/2005/Atom'}}\nt=E.fromstring(sys.argv[0] if False else {xml:?})\nprint(t.find('a:title',ns).text)\nprint(len(t.findall('a:entry',ns)))"
    ));
    assert!(out.contains(&commune_name) && out.trim_end().ends_with('2'), "{out}");

    crate::reports_photos::photos(&s, &citizen, &commune).await;
    crate::reports_open311::open311(&s, first, &commune).await;

    // `ioc check` folds every report's history again: the rows agree; an edited row is found.
    let check = |s: &TestServer| {
        let args = [vec!["ioc".into(), "check".into()], s.data_args()].concat();
        async move { run_cli(crate::bin(), &args).await.unwrap() }
    };
    let (code, out, err) = check(&s).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("lịch sử của 5 phản ánh"), "{out}");
    s.exec_sql(&format!("UPDATE report SET body = replace(body, 'Cây đổ', 'Cây gãy') WHERE id = {}", mine + 1))
        .await
        .unwrap();
    let (code, _, err) = check(&s).await;
    assert_eq!(code, 1);
    assert!(err.contains(&format!("phản ánh PA-{}: bản lưu khác lịch sử", mine + 1)), "{err}");
    // The audit finds the same edit (the row against its events), and a report closed or
    // deleted in the database without an event; then, restored, nothing.
    let verify = || async {
        let (code, out, err) =
            run_cli(crate::bin(), &[vec!["audit".into(), "verify".into()], s.data_args()].concat()).await.unwrap();
        (code, format!("{out}{err}"))
    };
    let (code, out) = verify().await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&format!("bản ghi của phản ánh PA-{} khác với lịch sử của nó ở cột body", mine + 1)), "{out}");
    s.exec_sql(&format!("UPDATE report SET body = replace(body, 'Cây gãy', 'Cây đổ') WHERE id = {}", mine + 1))
        .await
        .unwrap();
    s.exec_sql_unchecked(&format!(
        "CREATE TABLE was AS SELECT state, is_open FROM report WHERE id = {0};
         UPDATE report SET state = 'closed', is_open = false WHERE id = {0};",
        mine + 1
    ))
    .await
    .unwrap();
    let (code, out) = verify().await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("ở cột state"), "{out}");
    s.exec_sql_unchecked(&format!(
        "UPDATE report SET state = (SELECT state FROM was), is_open = (SELECT is_open FROM was) WHERE id = {};
         DROP TABLE was;",
        mine + 1
    ))
    .await
    .unwrap();
    s.exec_sql_unchecked(&format!(
        "CREATE TABLE kept AS SELECT * FROM report WHERE id = {0}; DELETE FROM report WHERE id = {0};",
        mine + 1
    ))
    .await
    .unwrap();
    let (code, out) = verify().await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("có bản ghi đã bị xóa"), "{out}");
    s.exec_sql_unchecked("INSERT INTO report SELECT * FROM kept; DROP TABLE kept;").await.unwrap();
    // Every report change is on the ledger the audit verifies; an edited entry is found.
    let (code, out) = verify().await;
    assert_eq!(code, 0, "{out}");
    s.exec_sql("UPDATE ledger_entry SET payload = replace(payload, 'Đã vá', 'Chưa vá') WHERE kind = 'state_set'")
        .await
        .unwrap();
    let (code, out) = verify().await;
    assert_eq!(code, 1, "{out}");
}

/// Every number on the operations centre's reports page is a link to the public list of exactly
/// what it counts (by category, handling agency, commune and category, in hand, overdue), over
/// the demo province's month of reports.
async fn centre_numbers_open_lists_of_as_many(backend: Backend) {
    // A field report for every 25 dossiers of demo history.
    let s = crate::demo_server(backend, 500).await;
    // The escalation job runs once at start and moves overdue reports to the province: counted
    // before it and listed after, a report would be in two agencies' figures (seen on PostgreSQL,
    // where the job's first turn can land between the two reads). The figures are read once it
    // has finished.
    let escalated = "SELECT count(*) FROM job_run WHERE job = 'reports.escalation' AND finished_at IS NOT NULL";
    let mut waited = 0;
    while s.query_i64(escalated).await.unwrap() == 0 {
        assert!(waited < 300, "the escalation job never finished its first run");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        waited += 1;
    }
    let leader = login(&s, "lanhdao@tinhso.local").await;
    // Every report of the history, not only the last month's.
    let (status, html) = page(&leader, &format!("{}/dieu-hanh/phan-anh?tu=01/01/2024", s.url)).await;
    assert_eq!(status, StatusCode::OK);
    // (href, number) for every link whose text is a number, bold or not.
    let mut counted = Vec::new();
    for piece in html.split("<a href=\"").skip(1) {
        let (href, rest) = piece.split_once('"').unwrap();
        let text = rest.split_once('>').unwrap().1.split("</a>").next().unwrap();
        let plain = text.replace("<strong class=\"due-overdue\">", "").replace("<strong>", "").replace("</strong>", "");
        let number = plain.split_whitespace().next().unwrap_or_default();
        if let Ok(n) = number.parse::<i64>() {
            counted.push((href.replace("&amp;", "&").replace("&#38;", "&"), n));
        }
    }
    assert!(counted.len() > 30, "the page's numbers are links: {counted:?}");
    assert!(counted.iter().any(|(h, _)| h.contains("co-quan=")), "by agency");
    assert!(counted.iter().any(|(h, _)| h.contains("qua-han=1")), "overdue");
    assert!(counted.iter().any(|(h, _)| h.contains("xa=") && h.contains("danh-muc=")), "the heat table's cells");
    let agency =
        counted.iter().find_map(|(h, _)| h.split("co-quan=").nth(1)).unwrap().split('&').next().unwrap().to_owned();
    for (href, n) in counted {
        let (status, list) = page(&leader, &format!("{}{href}", s.url)).await;
        assert_eq!(status, StatusCode::OK, "{href}");
        let said = list.split("id=\"count\"").nth(1).unwrap().split("</strong>").next().unwrap();
        let said = said.rsplit('>').next().unwrap().replace('.', "");
        assert_eq!(said.parse::<i64>().unwrap(), n, "{href} lists as many as the centre counts");
    }
    // The narrowed list says what it shows, and keeps it when refined.
    let (_, list) = page(&leader, &format!("{}/phan-anh?co-quan={agency}&qua-han=1", s.url)).await;
    assert!(list.contains("Chỉ các phản ánh đang quá hạn") && list.contains("name=\"qua-han\" value=\"1\""), "{list}");
    let (status, list) = page(&leader, &format!("{}/phan-anh?co-quan=KHONG-CO", s.url)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(list.contains("Cơ quan không có trong tỉnh"));
    s.stop().await.unwrap();
}

#[tokio::test]
async fn centre_numbers_open_lists_of_as_many_on_sqlite() {
    centre_numbers_open_lists_of_as_many(Backend::Sqlite).await;
}

#[tokio::test]
async fn centre_numbers_open_lists_of_as_many_on_postgres() {
    centre_numbers_open_lists_of_as_many(Backend::Postgres).await;
}

/// Reports to handle are listed most urgent first: in each of the two lists (overdue, in time)
/// the due dates never go back, and every open report of the demo province is in one of them.
async fn staff_see_the_most_urgent_reports_first(backend: Backend) {
    let s = crate::demo_server(backend, 500).await;
    let leader = login(&s, "lanhdao@tinhso.local").await;
    let (status, html) = page(&leader, &format!("{}/can-bo/phan-anh", s.url)).await;
    assert_eq!(status, StatusCode::OK);
    let (late, in_time) = html.split_once("<h2>Đang xử lý, trong hạn").unwrap();
    let dues = |part: &str| -> Vec<chrono::NaiveDate> {
        part.split("Hạn ")
            .skip(1)
            .filter_map(|t| chrono::NaiveDate::parse_from_str(t.get(..10)?, "%d/%m/%Y").ok())
            .collect()
    };
    let (late, in_time) = (dues(late), dues(in_time));
    assert!(late.len() > 1 && in_time.len() > 1, "{late:?} {in_time:?}");
    assert!(late.windows(2).all(|w| w[0] <= w[1]), "overdue, most overdue first: {late:?}");
    assert!(in_time.windows(2).all(|w| w[0] <= w[1]), "in time, due soonest first: {in_time:?}");
    assert!(late.last() < in_time.first(), "{late:?} {in_time:?}");
    let (_, list) = page(&leader, &format!("{}/phan-anh?trang-thai=mo", s.url)).await;
    let open = list.split("id=\"count\"").nth(1).unwrap().split("</strong>").next().unwrap();
    let open: usize = open.rsplit('>').next().unwrap().parse().unwrap();
    assert_eq!(late.len() + in_time.len(), open, "every open report is listed once");
    s.stop().await.unwrap();
}

#[tokio::test]
async fn staff_see_the_most_urgent_reports_first_on_sqlite() {
    staff_see_the_most_urgent_reports_first(Backend::Sqlite).await;
}

#[tokio::test]
async fn staff_see_the_most_urgent_reports_first_on_postgres() {
    staff_see_the_most_urgent_reports_first(Backend::Postgres).await;
}

/// Feedback about a dossier goes to the agency deciding it; a code that names no dossier is taken
/// as written and routed as if absent (refusing it would tell anyone which codes exist).
async fn feedback_about_a_dossier(s: TestServer) {
    let anon = s.client();
    let citizen = login(&s, "0912345678").await;
    let applicant = crate::dossier::Caller::login(&s, "0912345678", PASSWORD).await;
    let form = crate::dossier::generic_form(2269);
    let (_, d) = applicant
        .post("/api/v1/dossiers", serde_json::json!({ "procedure": crate::dossier::PROVINCIAL, "form": form }))
        .await;
    let (code, deciding) = (d["code"].as_str().unwrap().to_owned(), d["competent_agency"].as_str().unwrap().to_owned());
    let about = |code: String| {
        let citizen = &citizen;
        let s = &s;
        async move {
            let fields = [
                ("category", "thu-tuc-hanh-chinh"),
                ("description", "Quá hạn mà chưa nhận được phiếu xin lỗi"),
                ("dossier_code", code.as_str()),
            ];
            let r = send(s, citizen, &fields).await;
            assert_eq!(r.status(), StatusCode::OK);
            let (_, v) = json(&s.client(), &format!("{}/open311/v2/requests/{}.json", s.url, sent_id(&r))).await;
            v[0]["agency_responsible"].as_str().unwrap().to_owned()
        }
    };
    // The form offers the applicant's own dossiers to choose from, and no one else's.
    let (_, offered) = page(&citizen, &format!("{}/phan-anh/gui", s.url)).await;
    assert!(offered.contains(&format!("<option value=\"{code}\">")), "{offered}");
    let (_, unoffered) = page(&login(&s, "chuyenvien@tinhso.local").await, &format!("{}/phan-anh/gui", s.url)).await;
    assert!(!unoffered.contains(&code) && !unoffered.contains("<datalist"), "{unoffered}");
    let (_, p) = json(&anon, &format!("{}/api/v1/procedures/{}", s.url, crate::dossier::PROVINCIAL)).await;
    let agency = &p["competent_agency_detail"];
    assert_eq!(agency["code"].as_str(), Some(deciding.as_str()), "{p}");
    assert_eq!(about(code.clone()).await, agency["name"].as_str().unwrap());
    // The deciding agency's officer finds the dossier from the report's page.
    let officer = login(&s, "chuyenvien@tinhso.local").await;
    // Their list of reports to handle says what each is about, without opening it.
    let (_, list) = page(&officer, &format!("{}/can-bo/phan-anh", s.url)).await;
    assert!(list.contains("<br><span class=\"muted\">Quá hạn mà chưa nhận được phiếu xin lỗi</span>"), "{list}");
    let (_, mine) =
        json(&officer, &format!("{}/open311/v2/requests.json?service_code=thu-tuc-hanh-chinh", s.url)).await;
    let id = mine[0]["service_request_id"].as_str().unwrap().trim_start_matches("PA-").to_owned();
    let (_, html) = page(&officer, &format!("{}/phan-anh/{id}", s.url)).await;
    let search = format!("/ho-so?tim={code}");
    assert!(html.contains(&format!("<a href=\"{search}\">{code}</a>")), "{html}");
    let (_, found) = page(&officer, &format!("{}{search}", s.url)).await;
    assert!(found.contains(&format!("href=\"/ho-so/{code}\"")), "{found}");
    // A visitor reads the code, with no way into the dossier.
    let (_, html) = page(&anon, &format!("{}/phan-anh/{id}", s.url)).await;
    assert!(html.contains(&code) && !html.contains(&search));
    let made_up = "000.00.90.H08-200101-0001".to_owned();
    assert_eq!(about(made_up).await, "Ủy ban nhân dân tỉnh Tuyên Quang");
    s.stop().await.unwrap();
}

on_both_backends!(
    feedback_about_a_dossier_goes_to_its_deciding_agency_on_sqlite,
    feedback_about_a_dossier_goes_to_its_deciding_agency_on_postgres,
    feedback_about_a_dossier
);
