//! The digital-transformation index as its people use it, on SQLite and PostgreSQL: the
//! province opens the year's round; a department's admin fills in the self-assessment with
//! evidence (a draft, every mistake said at once, the platform's own figures not typeable),
//! submits it; the appraisers return it with a reason, then correct a figure with a note;
//! the ranking is published for everyone, as a page and as JSON; nothing moves after that,
//! each role sees only what it may, and the audit names a score changed behind the platform.

use crate::dossier::verify;
use crate::journey::page_login;
use chrono::Datelike;
use reqwest::StatusCode;
use tinhso_testkit::server::{csrf_of, fresh_data_dir, fresh_pg_database};
use tinhso_testkit::{Backend, TestServer};

/// The demo department whose admin is `quantri.coquan@` (Sở Tư pháp).
pub(crate) const UNIT: &str = "000.00.03.H08";
const OTHER: &str = "000.00.05.H08";
pub(crate) const BACK: &str = "/quan-tri/chuyen-doi-so";

pub(crate) async fn server(backend: Backend) -> TestServer {
    let database = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(fresh_pg_database().await.unwrap()),
    };
    TestServer::start_on(backend, crate::bin(), fresh_data_dir().unwrap(), database, &[]).await.unwrap()
}

pub(crate) fn today() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(7)).date_naive()
}

pub(crate) async fn page(c: &reqwest::Client, url: String) -> (StatusCode, String) {
    let r = c.get(url).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

pub(crate) async fn post(c: &reqwest::Client, url: String, form: &[(String, String)]) -> (StatusCode, String) {
    let r = c.post(url).form(form).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

pub(crate) fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

/// The error summary's messages.
pub(crate) fn said(html: &str) -> Vec<String> {
    html.split("<li><a href=\"#")
        .skip(1)
        .filter_map(|s| s.split('>').nth(1)?.split('<').next().map(str::to_owned))
        .collect()
}

pub(crate) fn version(html: &str) -> String {
    let at = html.find("name=\"phien-ban\" value=\"").expect("a version field") + 24;
    html[at..].split('"').next().unwrap().to_owned()
}

/// A whole self-assessment: three quarters of each typed indicator's points, with evidence.
pub(crate) fn whole(token: &str, seen: &str, lenh: &str) -> Vec<(String, String)> {
    let f = tinhso_dti::Framework::parse(tinhso_dti::framework::DEFAULT).unwrap();
    let mut form = pairs(&[("csrf", token), ("phien-ban", seen), ("lenh", lenh)]);
    for i in f.indicators().filter(|i| i.measure.is_none()) {
        form.push((format!("diem-{}", i.key), (i.max * 3 / 4).to_string()));
        form.push((format!("minh-chung-{}", i.key), format!("Văn bản số {}/KH-STP", i.key)));
    }
    form
}

/// The values an appraisal form comes filled with.
fn filled(html: &str) -> Vec<(String, String)> {
    html.split("name=\"tham-dinh-")
        .skip(1)
        .map(|s| {
            let key = s.split('"').next().unwrap();
            let value = s.split("value=\"").nth(1).unwrap().split('"').next().unwrap();
            (format!("tham-dinh-{key}"), value.to_owned())
        })
        .collect()
}

#[tokio::test]
async fn a_year_of_digital_transformation_on_sqlite() {
    a_year(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_year_of_digital_transformation_on_postgres() {
    a_year(Backend::Postgres).await;
}

async fn a_year(backend: Backend) {
    let s = server(backend).await;
    let year = today().year();
    let url = |p: &str| format!("{}{p}", s.url);
    let mine = url(&format!("{BACK}/{year}/{UNIT}"));
    let province = page_login(&s, "quantri@tinhso.local").await;
    let unit = page_login(&s, "quantri.coquan@tinhso.local").await;

    // 1. The province opens the year: a past deadline or no date is said, then it opens once.
    let (status, html) = page(&province, url(BACK)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Chưa mở đợt đánh giá nào"), "{html}");
    let token = csrf_of(&html).unwrap();
    let yesterday = (today() - chrono::Duration::days(1)).format("%d/%m/%Y").to_string();
    for (deadline, message) in [(yesterday.as_str(), "Hạn nộp phải từ hôm nay trở đi"), ("31/02/2027", "Hạn nộp")]
    {
        let form = pairs(&[("csrf", &token), ("nam", &year.to_string()), ("han-nop", deadline)]);
        let (status, html) = post(&province, url(BACK), &form).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{deadline}");
        assert!(said(&html).iter().any(|m| m.starts_with(message)), "{:?}", said(&html));
    }
    let deadline = (today() + chrono::Duration::days(20)).format("%d/%m/%Y").to_string();
    let open = pairs(&[("csrf", &token), ("nam", &year.to_string()), ("han-nop", &deadline)]);
    let (status, html) = post(&province, url(BACK), &open).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!("Hạn đơn vị nộp bản tự đánh giá: {deadline}")), "{html}");
    assert!(html.contains("Sở Tư pháp") && html.contains("Chưa bắt đầu"));
    let (status, _) = post(&province, url(BACK), &open).await;
    assert_eq!(status, StatusCode::CONFLICT, "a year opens once");

    // 2. The department's admin is told, finds it from the account page and sees only their unit.
    let (_, inbox) = page(&unit, url("/thong-bao")).await;
    assert!(
        inbox.contains(&format!("Mở đợt đánh giá chuyển đổi số năm {year}")) && inbox.contains(&deadline),
        "{inbox}"
    );
    let (_, account) = page(&unit, url("/tai-khoan")).await;
    assert!(account.contains(&format!("href=\"{BACK}\"")));
    let (status, html) = page(&unit, url(BACK)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(html.matches("<td><a href=").count(), 1, "one unit listed");
    let (status, html) = page(&unit, mine.clone()).await;
    assert_eq!(status, StatusCode::OK);
    // The platform's own figures, measured from the unit's dossiers, agree with the operations
    // centre's index of the same unit and period.
    let ioc: serde_json::Value = province
        .get(url(&format!(
            "/api/v1/ioc/index?unit={UNIT}&from={year}-01-01&to={}",
            today().min(chrono::NaiveDate::from_ymd_opt(year, 12, 31).unwrap(),)
        )))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let index = ioc["total"].as_f64().unwrap();
    let points_766 = (index / 100.0 * 6000.0 + 0.5).floor() / 100.0;
    let shown =
        format!("Hệ thống tự đo: <strong>{}</strong>", tinhso_dti::Points((points_766 * 100.0).round() as u32).vi());
    assert!(html.contains(&shown), "{shown} for a 766 index of {index}");
    assert!(html.contains(&format!("{index:.2}/100 điểm").replace('.', ",")));
    // An English reader reads what the platform measured in English.
    let english = page_login(&s, "quantri.coquan@tinhso.local").await;
    english.get(url("/ngon-ngu/en")).send().await.unwrap();
    let (_, en) = page(&english, mine.clone()).await;
    assert!(en.contains(&format!("Measured by the platform (01/01/{year} to ")), "{en}");
    assert!(en.contains(&format!("{index:.2}/100 points")) && !en.contains("Hệ thống đo ("), "{en}");

    // A draft may be partial; the confirmation says what happened.
    let token = csrf_of(&html).unwrap();
    let draft = pairs(&[
        ("csrf", &token),
        ("phien-ban", ""),
        ("lenh", "luu"),
        ("diem-1.1", "35,5"),
        ("minh-chung-1.1", "Kế hoạch 12/KH-STP"),
    ]);
    let (status, html) = post(&unit, mine.clone(), &draft).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Đã lưu bản nháp"));
    assert!(html.contains("value=\"35,5\"") && html.contains("Kế hoạch 12/KH-STP"));
    assert_eq!(version(&html), "1");
    // A draft is the unit's own: the appraisers see that nothing is submitted.
    let (_, theirs) = page(&province, mine.clone()).await;
    assert!(theirs.contains("Đơn vị chưa nộp bản tự đánh giá") && !theirs.contains("Kế hoạch 12/KH-STP"));

    // Submitting half of it says every mistake at once and writes nothing.
    let half = pairs(&[
        ("csrf", &token),
        ("phien-ban", "1"),
        ("lenh", "nop"),
        ("diem-1.1", "41"),
        ("diem-1.2", "3.5"),
        ("diem-1.3", "1,234"),
    ]);
    let (status, html) = post(&unit, mine.clone(), &half).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let errors = said(&html);
    assert!(errors.contains(&"Chỉ số 1.1: tối đa 40 điểm".to_owned()), "{errors:?}");
    assert!(
        errors.contains(&"Chỉ số 1.2: nêu hoặc tải lên tài liệu kiểm chứng cho điểm đã chấm".to_owned()),
        "{errors:?}"
    );
    assert!(errors.iter().any(|e| e.starts_with("Chỉ số 1.3: viết điểm bằng số")), "{errors:?}");
    assert!(errors.contains(&"Chỉ số 8.3: nhập điểm tự đánh giá (0 nếu chưa đạt)".to_owned()), "{errors:?}");
    assert_eq!(errors.len(), 20, "three wrong, seventeen missing: {errors:?}");
    assert!(html.contains("value=\"41\""), "what was typed stays");
    // The platform's figures cannot be typed over.
    let mut forged = whole(&token, "1", "nop");
    forged.push(("diem-6.2".into(), "50".into()));
    let (status, _) = post(&unit, mine.clone(), &forged).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, html) = page(&unit, mine.clone()).await;
    assert_eq!(version(&html), "1", "nothing written by the refused forms");

    // 3. Submitted whole; then it waits for the appraisers.
    let (status, html) = post(&unit, mine.clone(), &whole(&token, "1", "nop")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Đã nộp bản tự đánh giá") && html.contains("Đã nộp, chờ thẩm định"), "{html}");
    let (status, html) = post(&unit, mine.clone(), &whole(&token, "2", "luu")).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(html.contains("chờ Hội đồng thẩm định"), "{html}");
    let (status, html) = post(&unit, mine.clone(), &whole(&token, "1", "luu")).await;
    assert_eq!(status, StatusCode::CONFLICT, "a page read before the last change");
    assert!(html.contains("vừa được cập nhật ở nơi khác"), "{html}");

    // 4. Who may do what.
    for (login, path, want) in [
        ("0912345678", BACK.to_owned(), StatusCode::FORBIDDEN),
        ("tiepnhan@tinhso.local", BACK.to_owned(), StatusCode::FORBIDDEN),
        ("quantri.coquan@tinhso.local", format!("{BACK}/{year}/{OTHER}"), StatusCode::FORBIDDEN),
        ("lanhdao@tinhso.local", format!("{BACK}/{year}/{UNIT}"), StatusCode::OK),
        ("kiemtra@tinhso.local", BACK.to_owned(), StatusCode::OK),
    ] {
        let c = page_login(&s, login).await;
        assert_eq!(page(&c, url(&path)).await.0, want, "{login} {path}");
    }
    let leader = page_login(&s, "lanhdao@tinhso.local").await;
    let (_, html) = page(&leader, mine.clone()).await;
    assert!(!html.contains("name=\"tham-dinh-1.1\""), "leaders read, they do not appraise");
    let token_l = csrf_of(&html).unwrap();
    let (status, _) = post(
        &leader,
        mine.clone(),
        &pairs(&[("csrf", &token_l), ("phien-ban", "2"), ("lenh", "tra-lai"), ("ly-do", "x")]),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) =
        post(&unit, mine.clone(), &pairs(&[("csrf", &token), ("phien-ban", "2"), ("lenh", "tra-lai"), ("ly-do", "x")]))
            .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a unit does not appraise itself");

    // 5. The province and its appraisal council are told; nobody may publish while it waits;
    // the province returns it with a reason.
    let council = page_login(&s, "thamdinh@tinhso.local").await;
    for who in [&province, &council] {
        let (_, inbox) = page(who, url("/thong-bao")).await;
        assert!(inbox.contains(&format!("Sở Tư pháp đã nộp bản tự đánh giá chuyển đổi số năm {year}")), "{inbox}");
    }
    let (_, html) = page(&province, url(&format!("{BACK}?nam={year}"))).await;
    assert!(html.contains("Còn 1 bản tự đánh giá chờ thẩm định"));
    assert!(
        html.contains(
            "Chưa bắt đầu: <strong>139</strong> · Đã nộp, chờ thẩm định: <strong>1</strong> (trên 140 đơn vị)"
        ),
        "{html}"
    );
    let token_p = csrf_of(&html).unwrap();
    let (status, _) = post(&province, url(&format!("{BACK}/{year}/cong-bo")), &pairs(&[("csrf", &token_p)])).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let back = |reason: &str| pairs(&[("csrf", &token_p), ("phien-ban", "2"), ("lenh", "tra-lai"), ("ly-do", reason)]);
    let (status, html) = post(&province, mine.clone(), &back("  ")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(said(&html)[0].starts_with("Nêu nội dung đơn vị cần giải trình"));
    let (status, _) =
        post(&province, mine.clone(), &back("Chỉ số 3.2: bổ sung biên bản kết nối mạng chuyên dùng")).await;
    assert_eq!(status, StatusCode::OK);
    let (_, html) = page(&unit, mine.clone()).await;
    assert!(
        html.contains("Trả lại để giải trình, bổ sung") && html.contains("bổ sung biên bản kết nối mạng chuyên dùng")
    );
    let (status, _) = post(&unit, mine.clone(), &whole(&token, "3", "nop")).await;
    assert_eq!(status, StatusCode::OK, "sent again");

    // 6. The council appraises (its member's own back office, no other administration): the
    // appraisal keeps the unit's figures unless it says why. Opening a round and publishing
    // stay the province's.
    let (_, html) = page(&council, url("/tai-khoan")).await;
    assert!(html.contains(&format!("href=\"{BACK}\"")), "the council's way in");
    let (status, html) = page(&council, url(&format!("{BACK}?nam={year}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Còn 1 bản tự đánh giá chờ thẩm định. Khi các bản tự đánh giá"), "{html}");
    assert!(!html.contains("/cong-bo\"") && !html.contains("Mở đợt đánh giá</button>"), "not the province's acts");
    let token_c = csrf_of(&html).unwrap();
    for path in [format!("{BACK}/{year}/cong-bo"), format!("{BACK}/{year}/quyet-dinh")] {
        let (status, _) = post(&council, url(&path), &pairs(&[("csrf", &token_c)])).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    let next_year = pairs(&[("csrf", &token_c), ("nam", &(year + 1).to_string()), ("han-nop", &deadline)]);
    assert_eq!(post(&council, url(BACK), &next_year).await.0, StatusCode::FORBIDDEN);
    for path in ["/quan-tri/tai-khoan", "/quan-tri/thu-tuc/moi", "/dieu-hanh", "/ho-so"] {
        assert_eq!(page(&council, url(path)).await.0, StatusCode::FORBIDDEN, "{path}");
    }
    // Nor is it offered what it may not open (the reports staff handle, from the public list).
    let (_, reports) = page(&council, url("/phan-anh")).await;
    assert!(!reports.contains("href=\"/can-bo/phan-anh\""), "{reports}");
    assert_eq!(page(&council, url("/can-bo/phan-anh")).await.0, StatusCode::FORBIDDEN);
    let (_, html) = page(&council, mine.clone()).await;
    let mut appraisal = filled(&html);
    assert_eq!(appraisal.len(), 23, "every indicator, the measured ones too");
    assert!(appraisal.contains(&("tham-dinh-1.1".to_owned(), "30".to_owned())), "{appraisal:?}");
    for (k, v) in appraisal.iter_mut() {
        if k == "tham-dinh-3.2" {
            *v = "10".into();
        }
    }
    let mut form = pairs(&[("csrf", &token_c), ("phien-ban", "4"), ("lenh", "tham-dinh")]);
    form.extend(appraisal.clone());
    let (status, html) = post(&council, mine.clone(), &form).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(said(&html), ["Chỉ số 3.2: nêu lý do điểm thẩm định khác điểm tự đánh giá"]);
    form.push(("ghi-chu-3.2".into(), "Chưa có biên bản kết nối".into()));
    let (status, html) = post(&council, mine.clone(), &form).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Đã lưu kết quả thẩm định"));
    let total: f64 = appraisal.iter().map(|(_, v)| v.replace(',', ".").parse::<f64>().unwrap()).sum();
    let (_, inbox) = page(&unit, url("/thong-bao")).await;
    let told = format!("Sở Tư pháp: {} / 1.000 điểm", tinhso_dti::Points((total * 100.0).round() as u32).vi());
    assert!(inbox.contains(&told), "{told}: {inbox}");

    // 7. Published: the ranking for everyone, as a page and as JSON.
    let anonymous = s.client();
    let (_, html) = page(&anonymous, url("/chi-so-chuyen-doi-so")).await;
    assert!(html.contains("Chưa có kết quả nào được công bố"), "nothing before publication");
    let (status, _) = post(&province, url(&format!("{BACK}/{year}/cong-bo")), &pairs(&[("csrf", &token_p)])).await;
    assert_eq!(status, StatusCode::OK);
    let (status, html) = page(&anonymous, url("/chi-so-chuyen-doi-so")).await;
    assert_eq!(status, StatusCode::OK);
    let shown = tinhso_dti::Points((total * 100.0).round() as u32).vi();
    assert!(
        html.contains(&format!(
            "<td class=\"num\">1</td><th scope=\"row\">Sở Tư pháp</th><td class=\"num\"><strong>{shown}</strong>"
        )),
        "{shown}: {html}"
    );
    assert!(html.contains("Không có kết quả"), "units not appraised are listed without a result");
    let code = decision_is_signed(&s, &anonymous, &html, year, &shown).await;
    let sign_again = url(&format!("{BACK}/{year}/quyet-dinh"));
    let (status, html) = post(&province, sign_again.clone(), &pairs(&[("csrf", &token_p)])).await;
    assert_eq!(status, StatusCode::CONFLICT, "one decision a year");
    assert!(html.contains("đã được ký số và phát hành"), "{html}");
    // Revoked (a mistake found after signing), it leaves the ranking's page and is signed again.
    let revoke = [
        vec!["results".into(), "revoke".into(), code.clone(), "--reason".into(), "Ghi sai tên đơn vị".into()],
        s.data_args(),
    ]
    .concat();
    let (c, out, err) = tinhso_testkit::server::run_cli(crate::bin(), &revoke).await.unwrap();
    assert_eq!(c, 0, "{out}{err}");
    let (_, html) = page(&anonymous, url("/chi-so-chuyen-doi-so")).await;
    assert!(!html.contains("tệp PDF đã ký số"), "a revoked decision is not offered");
    let (_, html) = page(&province, url(&format!("{BACK}?nam={year}"))).await;
    assert!(html.contains(&format!("Ký số quyết định công bố kết quả năm {year}")), "{html}");
    let (status, html) = post(&province, sign_again, &pairs(&[("csrf", &token_p)])).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Đã ký số và phát hành quyết định công bố kết quả"), "{html}");
    let (_, html) = page(&anonymous, url("/chi-so-chuyen-doi-so")).await;
    assert_ne!(decision_is_signed(&s, &anonymous, &html, year, &shown).await, code, "a new decision");
    let r = anonymous.get(url(&format!("/api/v1/dti/results?year={year}"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: serde_json::Value = r.json().await.unwrap();
    let departments = &v["groups"][0];
    assert_eq!(departments["group"], "department");
    assert_eq!(departments["units"][0]["agency"], UNIT);
    assert_eq!(departments["units"][0]["rank"], 1);
    assert!((departments["units"][0]["total"].as_f64().unwrap() - total).abs() < 0.005);
    assert_eq!(departments["units"][0]["pillars"].as_array().unwrap().len(), 8);
    assert!(v["decision"]["code"].as_str().is_some_and(|c| c.starts_with("QD-")), "{v}");
    assert_eq!(v["decision"]["pdf"], format!("/chi-so-chuyen-doi-so/quyet-dinh/{year}"));
    assert!(departments["units"][1]["rank"].is_null() && departments["units"][1]["total"].is_null());
    for (q, want, code) in
        [("?year=20x6", 400, "invalid_year"), ("?year=1999", 404, "not_found"), ("?nam=2026", 400, "")]
    {
        let r = anonymous.get(url(&format!("/api/v1/dti/results{q}"))).send().await.unwrap();
        assert_eq!(r.status().as_u16(), want, "{q}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{q}: {body}");
        if !code.is_empty() {
            assert_eq!(body["code"], code);
        }
    }
    // The ranking as a spreadsheet, read back with openpyxl (a real XLSX reader).
    let r = anonymous.get(url(&format!("/chi-so-chuyen-doi-so?nam={year}&dinh-dang=xlsx"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let path = s.data.join("dti.xlsx");
    std::fs::write(&path, r.bytes().await.unwrap()).unwrap();
    let script = "import openpyxl,sys,json; ws=openpyxl.load_workbook(sys.argv[1]).active; \
                  print(json.dumps([[c.value for c in row] for row in ws.iter_rows(max_row=3)], ensure_ascii=False))";
    let out = std::process::Command::new("python3").args(["-c", script]).arg(&path).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let sheet: Vec<Vec<serde_json::Value>> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        sheet[0][..6],
        ["Khối", "Hạng", "Mã đơn vị", "Đơn vị", "Tổng điểm", "1. Nhận thức số"].map(serde_json::Value::from)
    );
    assert_eq!(sheet[0].len(), 13, "five columns and eight pillars");
    assert_eq!(sheet[1][1], 1);
    assert_eq!(sheet[1][2], UNIT);
    assert!((sheet[1][4].as_f64().unwrap() - total).abs() < 0.005, "{:?}", sheet[1]);
    assert!(sheet[2][1].is_null() && sheet[2][4].is_null(), "a unit not appraised has no rank: {:?}", sheet[2]);
    // Nothing moves after publication.
    let (status, html) = post(
        &council,
        mine.clone(),
        &form
            .iter()
            .map(|(k, v)| (k.clone(), if k == "phien-ban" { "5".into() } else { v.clone() }))
            .collect::<Vec<_>>(),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(html.contains("đã công bố"), "{html}");

    // 8. The audit holds every figure to the ledger.
    let (code, out) = verify(&s).await;
    assert_eq!(code, 0, "{out}");
    s.exec_sql("UPDATE dti_assessment SET appraisal = replace(appraisal, '\"points\":1000,', '\"points\":1001,')")
        .await
        .unwrap();
    let (code, out) = verify(&s).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("bản đánh giá chuyển đổi số") && out.contains(UNIT), "{out}");
    s.exec_sql("UPDATE dti_assessment SET appraisal = replace(appraisal, '\"points\":1001,', '\"points\":1000,')")
        .await
        .unwrap();
    assert_eq!(verify(&s).await.0, 0);
    s.exec_sql("UPDATE dti_round SET published_at = NULL").await.unwrap();
    let (code, out) = verify(&s).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("đợt đánh giá chuyển đổi số"), "{out}");
    s.stop().await.unwrap();
}

/// The year's decision, linked from the public ranking: a PDF signed by the province's people's
/// committee that pyHanko and poppler's pdfsig validate against the demo CA, whose text names the
/// first unit with its points, and that the public verifier knows as an issued decision.
async fn decision_is_signed(
    s: &TestServer,
    anonymous: &reqwest::Client,
    ranking: &str,
    year: i32,
    first: &str,
) -> String {
    let href = format!("/chi-so-chuyen-doi-so/quyet-dinh/{year}");
    assert!(ranking.contains(&format!("<a href=\"{href}\">tệp PDF đã ký số</a>")), "{ranking}");
    let code = ranking.split("/xac-thuc?ma=").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let r = anonymous.get(format!("{}{href}", s.url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let file = s.data.join("quyet-dinh.pdf");
    std::fs::write(&file, r.bytes().await.unwrap()).unwrap();
    let text = crate::results::run("pdftotext", &[file.to_str().unwrap(), "-"]);
    // Lines wrap where the page ends them.
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for want in [
        "ỦY BAN NHÂN DÂN TỈNH TUYÊN QUANG",
        "QUYẾT ĐỊNH",
        &format!("Công bố Chỉ số chuyển đổi số năm {year}"),
        &format!("Hạng 1: Sở Tư pháp, {first}/1.000 điểm"),
        &code,
    ] {
        assert!(text.contains(want), "{want:?} not in:\n{text}");
    }
    let v = crate::results::pyhanko(&s.data.join("signing-demo/ca.pem"), None, &[&file]);
    assert_eq!(
        (v[0]["intact"].as_bool(), v[0]["valid"].as_bool(), v[0]["trusted"].as_bool()),
        (Some(true), Some(true), Some(true)),
        "{v:?}"
    );
    assert_eq!(v[0]["coverage"], "ENTIRE_FILE", "{v:?}");
    let sig = crate::results::run("pdfsig", &[file.to_str().unwrap()]);
    assert!(sig.contains("Signature is Valid."), "{sig}");
    let issued: serde_json::Value =
        anonymous.get(format!("{}/api/v1/results/{code}", s.url)).send().await.unwrap().json().await.unwrap();
    assert_eq!((issued["kind"].as_str(), issued["status"].as_str()), (Some("decision"), Some("issued")), "{issued}");
    assert_eq!(issued["agency_name"], "Ủy ban nhân dân tỉnh Tuyên Quang");
    let (_, page) = page(anonymous, format!("{}/xac-thuc?ma={code}", s.url)).await;
    assert!(page.contains("Quyết định của Ủy ban nhân dân tỉnh"), "{page}");
    code
}

#[tokio::test]
async fn digital_transformation_walk_on_a_phone() {
    walk(tinhso_testkit::walk::Screen::Phone).await;
}

#[tokio::test]
async fn digital_transformation_walk_at_a_desk_screen() {
    walk(tinhso_testkit::walk::Screen::Desk).await;
}

/// The year in headless Chromium: the province opens the round; a department's admin saves a
/// draft with a scanned plan as evidence, is told of a mistake, fills in the rest and submits; the province corrects a figure
/// with its reason and publishes; anyone finds the ranking from the transparency page. Every
/// page passes axe-core and is kept as a screenshot.
async fn walk(screen: tinhso_testkit::walk::Screen) {
    let s = server(Backend::Sqlite).await;
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..");
    let mut p = tinhso_testkit::walk::Person::start(&s.url, screen, "chuyen-doi-so", &workspace).await.unwrap();
    let deadline = (today() + chrono::Duration::days(14)).format("%d/%m/%Y").to_string();
    sign_in(&mut p, "quantri@tinhso.local").await;
    p.open("/tai-khoan").await.unwrap();
    p.click("Đánh giá chuyển đổi số (DTI)").await.unwrap();
    p.fill("Hạn đơn vị nộp bản tự đánh giá (ngày/tháng/năm)", &deadline).await.unwrap();
    p.click("Mở đợt đánh giá").await.unwrap();
    p.sees(&format!("Hạn đơn vị nộp bản tự đánh giá: {deadline}")).await.unwrap();
    p.click("Đăng xuất").await.unwrap();

    sign_in(&mut p, "quantri.coquan@tinhso.local").await;
    p.open("/tai-khoan").await.unwrap();
    p.click("Đánh giá chuyển đổi số (DTI)").await.unwrap();
    p.click("Mở bản tự đánh giá của đơn vị").await.unwrap();
    p.sees("Hệ thống tự đo").await.unwrap();
    p.fill_in("1.1. ", "Điểm tự chấm", "35,5").await.unwrap();
    p.fill_in("1.1. ", "Tài liệu kiểm chứng", "Kế hoạch 12/KH-STP ngày 10/02").await.unwrap();
    // The plan itself, scanned, as the indicator's evidence file.
    let plan = s.data.join("Kế hoạch 12-KH-STP.pdf");
    std::fs::write(&plan, crate::blobs::pdf("Kế hoạch 12/KH-STP")).unwrap();
    p.attach("1.1. ", &plan).await.unwrap();
    p.click("Lưu nháp").await.unwrap();
    p.sees("Đã lưu bản nháp").await.unwrap();
    p.sees("Kế hoạch 12-KH-STP.pdf").await.unwrap();
    let f = tinhso_dti::Framework::parse(tinhso_dti::framework::DEFAULT).unwrap();
    for i in f.indicators().filter(|i| i.measure.is_none() && i.key != "1.1") {
        let group = format!("{}. ", i.key);
        let points = if i.key == "1.2" { (i.max + 5).to_string() } else { (i.max / 2).to_string() };
        p.fill_in(&group, "Điểm tự chấm", &points).await.unwrap();
        p.fill_in(&group, "Tài liệu kiểm chứng", &format!("Văn bản {}", i.key)).await.unwrap();
    }
    p.click("Nộp để thẩm định").await.unwrap();
    p.sees("Chỉ số 1.2: tối đa 30 điểm").await.unwrap();
    p.fill_in("1.2. ", "Điểm tự chấm", "15").await.unwrap();
    p.click("Nộp để thẩm định").await.unwrap();
    p.sees("Đã nộp bản tự đánh giá").await.unwrap();
    p.click("Đăng xuất").await.unwrap();

    sign_in(&mut p, "quantri@tinhso.local").await;
    p.open("/quan-tri/chuyen-doi-so").await.unwrap();
    p.click("Sở Tư pháp").await.unwrap();
    p.sees("Kế hoạch 12-KH-STP.pdf").await.unwrap();
    p.fill_in("3.2. ", "Điểm thẩm định", "5").await.unwrap();
    p.fill_in("3.2. ", "Lý do điều chỉnh", "Chưa có biên bản kết nối mạng chuyên dùng").await.unwrap();
    p.click("Lưu kết quả thẩm định").await.unwrap();
    p.sees("Đã lưu kết quả thẩm định").await.unwrap();
    p.click(&format!("Đánh giá chuyển đổi số năm {}", today().year())).await.unwrap();
    p.click(&format!("Công bố kết quả năm {}", today().year())).await.unwrap();
    p.sees("Kết quả đã công bố ngày").await.unwrap();
    p.sees("Đã công bố kết quả và ký số quyết định công bố").await.unwrap();
    p.click("Đăng xuất").await.unwrap();

    p.open("/minh-bach").await.unwrap();
    p.click("Chỉ số chuyển đổi số của các sở, ngành, xã, phường").await.unwrap();
    p.sees("Sở Tư pháp").await.unwrap();
    p.sees("Xã, phường, đặc khu").await.unwrap();
    p.sees("Công bố theo quyết định của Ủy ban nhân dân tỉnh").await.unwrap();
    p.quit().await.unwrap();
    s.stop().await.unwrap();
}

async fn sign_in(p: &mut tinhso_testkit::walk::Person, who: &str) {
    p.open("/dang-nhap").await.unwrap();
    p.fill("Số điện thoại hoặc thư điện tử", who).await.unwrap();
    p.fill("Mật khẩu", crate::dossier::PASSWORD).await.unwrap();
    p.click("Đăng nhập").await.unwrap();
}

/// When the decision cannot be signed (here the timestamp authority does not answer), the
/// results stay published, the province is told, and the button to sign it again is there.
#[tokio::test]
async fn a_decision_not_signed_leaves_the_results_published() {
    let s = TestServer::start_on(
        Backend::Sqlite,
        crate::bin(),
        fresh_data_dir().unwrap(),
        None,
        &["--tsa-url", "http://127.0.0.1:9/tsa"],
    )
    .await
    .unwrap();
    let year = today().year();
    let url = |p: &str| format!("{}{p}", s.url);
    let province = page_login(&s, "quantri@tinhso.local").await;
    let (_, html) = page(&province, url(BACK)).await;
    let token = csrf_of(&html).unwrap();
    let deadline = (today() + chrono::Duration::days(20)).format("%d/%m/%Y").to_string();
    let open = pairs(&[("csrf", &token), ("nam", &year.to_string()), ("han-nop", &deadline)]);
    assert_eq!(post(&province, url(BACK), &open).await.0, StatusCode::OK);
    let (status, html) = post(&province, url(&format!("{BACK}/{year}/cong-bo")), &pairs(&[("csrf", &token)])).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Đã công bố kết quả. Chưa ký số được quyết định công bố"), "{html}");
    assert!(html.contains(&format!("Ký số quyết định công bố kết quả năm {year}")), "{html}");
    let (_, public) = page(&s.client(), url("/chi-so-chuyen-doi-so")).await;
    assert!(public.contains(&format!("Kết quả năm {year}")) && !public.contains("tệp PDF đã ký số"), "{public}");
    let (status, html) = post(&province, url(&format!("{BACK}/{year}/quyet-dinh")), &pairs(&[("csrf", &token)])).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(html.contains("Máy chủ cấp dấu thời gian không trả lời"), "{html}");
    assert_eq!(
        page(&s.client(), url(&format!("/chi-so-chuyen-doi-so/quyet-dinh/{year}"))).await.0,
        StatusCode::NOT_FOUND
    );
    let (code, out) = verify(&s).await;
    assert_eq!(code, 0, "{out}");
    s.stop().await.unwrap();
}

/// The province's own framework (`<data>/dti-framework.json`): one that does not add up stops
/// the server at start, saying where; one that does is what the next round opens with.
/// Three days before the deadline, the admins of units that have not submitted are reminded,
/// once per round, by the hourly job (one server runs it).
#[tokio::test]
async fn units_that_have_not_submitted_are_reminded_once() {
    let s = server(Backend::Sqlite).await;
    let province = page_login(&s, "quantri@tinhso.local").await;
    let (_, html) = page(&province, format!("{}{BACK}", s.url)).await;
    let deadline = (today() + chrono::Duration::days(2)).format("%d/%m/%Y").to_string();
    let year = today().year().to_string();
    let form = pairs(&[("csrf", &csrf_of(&html).unwrap()), ("nam", &year), ("han-nop", &deadline)]);
    assert_eq!(post(&province, format!("{}{BACK}", s.url), &form).await.0, StatusCode::OK);
    let reminder = format!("Sắp hết hạn nộp bản tự đánh giá chuyển đổi số năm {year}");
    let unit = page_login(&s, "quantri.coquan@tinhso.local").await;
    assert!(!page(&unit, format!("{}/thong-bao", s.url)).await.1.contains(&reminder), "not before the job runs");
    let data = s.data.clone();
    s.stop().await.unwrap();
    // The hour until the next pass has gone by: it runs at the next start, and again at the one
    // after (made due again); each run is awaited, and no one is told twice.
    let start = || TestServer::start_on(Backend::Sqlite, crate::bin(), data.clone(), None, &[]);
    let s = start().await.unwrap();
    s.exec_sql("DELETE FROM job_run WHERE job = 'dti.reminders'").await.unwrap();
    s.stop().await.unwrap();
    let mut last = None;
    for again in [true, false] {
        let s = start().await.unwrap();
        assert!(crate::schedule::job_ran(&s, "dti.reminders").await, "the reminders ran at start");
        if again {
            s.exec_sql("DELETE FROM job_run WHERE job = 'dti.reminders'").await.unwrap();
            s.stop().await.unwrap();
        } else {
            last = Some(s);
        }
    }
    let s = last.unwrap();
    let unit = page_login(&s, "quantri.coquan@tinhso.local").await;
    let inbox = page(&unit, format!("{}/thong-bao", s.url)).await.1;
    assert_eq!(inbox.matches(&reminder).count(), 1, "{inbox}");
    assert!(inbox.contains(&format!("Sở Tư pháp: hạn nộp {deadline}")), "{inbox}");
    s.stop().await.unwrap();
}

/// The demo province with its history shows last year's published ranking from the first start
/// (made by the module's rules, on the ledger: the audit passes), and this year is free to open.
#[tokio::test]
async fn the_demo_shows_last_years_ranking() {
    let s = TestServer::start_on(
        Backend::Sqlite,
        crate::bin(),
        fresh_data_dir().unwrap(),
        None,
        &["--demo-dossiers", "25"],
    )
    .await
    .unwrap();
    let last = today().year() - 1;
    let anonymous = s.client();
    let (status, html) = page(&anonymous, format!("{}/chi-so-chuyen-doi-so", s.url)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!("Kết quả năm {last}")), "{html}");
    assert!(html.contains("<td class=\"num\">1</td><th scope=\"row\">"), "a first place: {html}");
    let v: serde_json::Value =
        anonymous.get(format!("{}/api/v1/dti/results", s.url)).send().await.unwrap().json().await.unwrap();
    assert_eq!(v["year"], last);
    let departments = v["groups"][0]["units"].as_array().unwrap();
    assert!(departments.len() >= 10 && departments.iter().all(|u| u["rank"].is_u64()), "{v}");
    let totals: Vec<f64> = departments.iter().map(|u| u["total"].as_f64().unwrap()).collect();
    assert!(
        totals.windows(2).all(|w| w[0] >= w[1]) && totals.iter().all(|t| (300.0..1000.0).contains(t)),
        "{totals:?}"
    );
    // Its decision was signed before the first page.
    assert!(html.contains("tệp PDF đã ký số"), "{html}");
    let first = tinhso_dti::Points((totals[0] * 100.0).round() as u32).vi();
    let name = departments[0]["name"].as_str().unwrap();
    let file = anonymous.get(format!("{}/chi-so-chuyen-doi-so/quyet-dinh/{last}", s.url)).send().await.unwrap();
    let path = s.data.join("demo-qd.pdf");
    std::fs::write(&path, file.bytes().await.unwrap()).unwrap();
    let text = crate::results::run("pdftotext", &[path.to_str().unwrap(), "-"]);
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains(&format!("Hạng 1: {name}, {first}/1.000 điểm")), "{text}");
    let province = page_login(&s, "quantri@tinhso.local").await;
    let (_, html) = page(&province, format!("{}{BACK}", s.url)).await;
    assert!(html.contains(&format!("<option value=\"{}\"", last + 1)), "this year can be opened: {html}");
    let (code, out) = verify(&s).await;
    assert_eq!(code, 0, "{out}");
    s.stop().await.unwrap();
}
