//! The admins' hold on staff accounts: an officer who left is locked out at once (their open
//! sessions too) and can be let back in; an officer who forgot their password is given a new
//! one-time password. Each admin reaches only the accounts they could have created, never
//! their own, and nothing else is touched by a refused request.

use crate::dossier::{generic_form, Caller, PASSWORD, PROVINCIAL};
use crate::journey::{csrf, page_login};
use reqwest::StatusCode;
use serde_json::json;
use tinhso_testkit::TestServer;

on_both_backends!(
    staff_accounts_locked_and_given_new_passwords_sqlite,
    staff_accounts_locked_and_given_new_passwords_postgres,
    story
);

/// The id in the row's action for `login` (`/quan-tri/tai-khoan/<id>/...`), if the page offers one.
pub(crate) fn action_id(html: &str, login: &str) -> Option<String> {
    let row = html.split("<tr>").find(|r| r.contains(&format!(">{login}</td>")))?;
    let at = row.find("=\"/quan-tri/tai-khoan/")? + "=\"/quan-tri/tai-khoan/".len();
    row[at..].split('/').next().map(str::to_owned)
}

async fn api_login(s: &TestServer, login: &str, password: &str) -> StatusCode {
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/session", s.url))
        .json(&json!({ "login": login, "password": password }))
        .send()
        .await
        .unwrap();
    r.status()
}

async fn story(s: TestServer) {
    let specialist = page_login(&s, "chuyenvien@tinhso.local").await;
    let admin = page_login(&s, "quantri.coquan@tinhso.local").await;
    let url = format!("{}/quan-tri/tai-khoan", s.url);
    let html = admin.get(&url).send().await.unwrap().text().await.unwrap();
    let token = csrf(&html);
    let hung = action_id(&html, "chuyenvien@tinhso.local").expect("the agency's specialist can be managed");
    assert_eq!(action_id(&html, "quantri.coquan@tinhso.local"), None, "not the admin's own account");
    let post = |path: String, with_csrf: bool| {
        let (admin, url, token) = (admin.clone(), format!("{}/quan-tri/tai-khoan/{path}", s.url), token.clone());
        async move {
            let form: Vec<(&str, &str)> = if with_csrf { vec![("csrf", token.as_str())] } else { Vec::new() };
            let r = admin.post(url).form(&form).send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };

    // What the agency admin may not touch: another agency's desk officer, the province's
    // leader, their own account, a citizen, no account at all, a request without its token.
    let province = page_login(&s, "quantri@tinhso.local").await;
    let all = province.get(&url).send().await.unwrap().text().await.unwrap();
    let desk = action_id(&all, "tiepnhan@tinhso.local").unwrap();
    let leader = action_id(&all, "lanhdao@tinhso.local").unwrap();
    let own = action_id(&all, "quantri.coquan@tinhso.local").unwrap();
    assert_eq!(post(format!("{desk}/khoa"), true).await.0, StatusCode::FORBIDDEN, "another agency");
    assert_eq!(post(format!("{leader}/cap-lai-mat-khau"), true).await.0, StatusCode::FORBIDDEN, "a province role");
    assert_eq!(post(format!("{own}/khoa"), true).await.0, StatusCode::FORBIDDEN, "their own account");
    let me: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/api/v1/session", s.url))
        .json(&json!({ "login": "0912345678", "password": PASSWORD }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let citizen_id = me["account"]["id"].as_i64().expect("the login names its account");
    assert_eq!(post(format!("{citizen_id}/khoa"), true).await.0, StatusCode::NOT_FOUND, "citizens are not staff");
    assert_eq!(post("999999/khoa".into(), true).await.0, StatusCode::NOT_FOUND);
    assert_eq!(post("abc/khoa".into(), true).await.0, StatusCode::NOT_FOUND);
    assert_eq!(post(format!("{hung}/khoa"), false).await.0, StatusCode::FORBIDDEN, "no CSRF token");
    let mine = specialist.get(format!("{}/tai-khoan", s.url)).send().await.unwrap().text().await.unwrap();
    let r = specialist.post(format!("{url}/{hung}/khoa")).form(&[("csrf", csrf(&mine))]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "a specialist manages nobody");
    for login in ["tiepnhan@tinhso.local", "lanhdao@tinhso.local", "quantri.coquan@tinhso.local", "0912345678"] {
        assert_eq!(api_login(&s, login, PASSWORD).await, StatusCode::OK, "{login} untouched");
    }
    assert_eq!(api_login(&s, "chuyenvien@tinhso.local", PASSWORD).await, StatusCode::OK, "not locked by refusals");

    // An officer who left: locked, with their open session ended at once; then let back in.
    // The list's button asks first, on a page of its own, naming the officer and what follows;
    // asking changes nothing, and is refused where the change would be.
    // He holds a dossier's step: the question says so, for his leaders to assign it again.
    let citizen = Caller::login(&s, "0912345678", PASSWORD).await;
    let (_, d) = citizen.post("/api/v1/dossiers", json!({ "procedure": PROVINCIAL, "form": generic_form(2269) })).await;
    let held = d["code"].as_str().unwrap().to_owned();
    Caller::login(&s, "tiepnhan@tinhso.local", PASSWORD).await.act(&held, json!({ "action": "receive" })).await;
    let hung_api = Caller::login(&s, "chuyenvien@tinhso.local", PASSWORD).await;
    let (_, d) = hung_api.act(&held, json!({ "action": "start_processing" })).await;
    assert_eq!(d["assignee"].as_i64(), Some(hung_api.id));
    let list = admin.get(&url).send().await.unwrap().text().await.unwrap();
    let ask = format!("/quan-tri/tai-khoan/{hung}/khoa");
    assert!(list.contains(&format!("href=\"{ask}\"")), "{list:.3000}");
    let r = admin.get(format!("{}{ask}", s.url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let question = r.text().await.unwrap();
    assert!(
        question.contains("<h1>Khóa tài khoản của Lý Văn Hùng (chuyenvien@tinhso.local)?</h1>"),
        "{question:.3000}"
    );
    assert!(question.contains(&format!("action=\"{ask}\"")) && question.contains("Không, quay lại danh sách"));
    assert!(question.contains("Cán bộ đang giữ") && question.contains(&held), "{question:.3000}");
    assert_eq!(api_login(&s, "chuyenvien@tinhso.local", PASSWORD).await, StatusCode::OK, "asking locks nothing");
    let r = admin.get(format!("{}/quan-tri/tai-khoan/{desk}/cap-lai-mat-khau", s.url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "another agency's officer: not even the question");
    let r = specialist.get(format!("{}{ask}", s.url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (st, html) = post(format!("{hung}/khoa"), true).await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("Đã khóa tài khoản Lý Văn Hùng"), "{html:.3000}");
    assert!(html.contains("<strong>Đã khóa</strong>"));
    let r = specialist.get(format!("{}/ho-so", s.url)).send().await.unwrap();
    assert_eq!(r.url().path(), "/dang-nhap", "the open session ended");
    assert_eq!(api_login(&s, "chuyenvien@tinhso.local", PASSWORD).await, StatusCode::UNAUTHORIZED);
    // His agency's approver is told, with the lock, of the dossier waiting for someone else.
    let approver = Caller::login(&s, "pheduyet@tinhso.local", PASSWORD).await;
    let to_assign = |inbox: &serde_json::Value| -> Vec<String> {
        let items = inbox["items"].as_array().unwrap().iter();
        let told = items
            .filter(|m| m["subject"] == "Cần giao lại hồ sơ cán bộ Lý Văn Hùng (chuyenvien@tinhso.local) đang giữ");
        told.map(|m| m["body"].as_str().unwrap().to_owned()).collect()
    };
    let told = to_assign(&approver.get("/api/v1/notifications").await.1);
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(
        told[0].starts_with("Tài khoản của cán bộ Lý Văn Hùng (chuyenvien@tinhso.local) đã bị khóa lúc "),
        "{told:?}"
    );
    assert!(told[0].contains(&held), "{told:?}");
    // And the dossier's page says its step waits on a locked account, until it is unlocked.
    let leader = page_login(&s, "pheduyet@tinhso.local").await;
    let dossier_page =
        || async { leader.get(format!("{}/ho-so/{held}", s.url)).send().await.unwrap().text().await.unwrap() };
    let page = dossier_page().await;
    assert!(page.contains("Lý Văn Hùng (tài khoản đã khóa, cần giao lại)"), "{page:.6000}");
    let list = || async { leader.get(format!("{}/ho-so", s.url)).send().await.unwrap().text().await.unwrap() };
    let rows = list().await;
    assert!(rows.contains("Cần giao lại: người xử lý đã bị khóa tài khoản"), "and the agency's list: {rows:.6000}");
    let (st, html) = post(format!("{hung}/mo-khoa"), true).await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("Đã mở khóa tài khoản Lý Văn Hùng"));
    assert_eq!(to_assign(&approver.get("/api/v1/notifications").await.1).len(), 1, "an unlock tells nobody");
    let page = dossier_page().await;
    assert!(page.contains("Lý Văn Hùng") && !page.contains("cần giao lại"), "{page:.6000}");
    assert!(!list().await.contains("Cần giao lại"), "unlocked: the list's mark is gone");
    assert_eq!(api_login(&s, "chuyenvien@tinhso.local", PASSWORD).await, StatusCode::OK);

    // An officer who forgot their password: a new one, shown once; the old one and every
    // session end; the officer is told in their notices.
    let again = page_login(&s, "chuyenvien@tinhso.local").await;
    let r = admin.get(format!("{}/quan-tri/tai-khoan/{hung}/cap-lai-mat-khau", s.url)).send().await.unwrap();
    let question = r.text().await.unwrap();
    assert!(question.contains("Cấp lại mật khẩu cho Lý Văn Hùng") && question.contains("Cấp mật khẩu mới"));
    assert_eq!(api_login(&s, "chuyenvien@tinhso.local", PASSWORD).await, StatusCode::OK, "asking changes nothing");
    let (st, html) = post(format!("{hung}/cap-lai-mat-khau"), true).await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("Đã cấp lại mật khẩu cho tài khoản"), "{html:.3000}");
    let at = html.find("id=\"new-password\">").unwrap() + 18;
    let password = html[at..].split('<').next().unwrap().to_owned();
    assert_eq!(api_login(&s, "chuyenvien@tinhso.local", PASSWORD).await, StatusCode::UNAUTHORIZED);
    let r = again.get(format!("{}/ho-so", s.url)).send().await.unwrap();
    assert_eq!(r.url().path(), "/dang-nhap", "sessions ended");
    let fresh = s.client();
    let page = fresh.get(format!("{}/dang-nhap", s.url)).send().await.unwrap().text().await.unwrap();
    let form = [("csrf", csrf(&page)), ("login", "chuyenvien@tinhso.local".into()), ("password", password.clone())];
    let r = fresh.post(format!("{}/dang-nhap", s.url)).form(&form).send().await.unwrap();
    assert_eq!(r.url().path(), "/tai-khoan", "the officer sets their own password first");
    let me = r.text().await.unwrap();
    let form = [("csrf", csrf(&me)), ("current", password), ("new", "đồi chè Tân Trào buổi sớm".into())];
    let r = fresh.post(format!("{}/tai-khoan/mat-khau", s.url)).form(&form).send().await.unwrap();
    assert!(r.text().await.unwrap().contains("Đã đổi mật khẩu"));
    let notices = fresh.get(format!("{}/thong-bao", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(notices.contains("Mật khẩu tài khoản đã được cấp lại"), "{notices:.3000}");

    // Each change is on the ledger with who made it, read by province admins and auditors only;
    // refused requests left nothing there. The chain, with these entries, passes the audit.
    assert_eq!(admin.get(format!("{}/quan-tri/nhat-ky", s.url)).send().await.unwrap().status(), 403);
    let auditor = page_login(&s, "kiemtra@tinhso.local").await;
    for reader in [&province, &auditor] {
        let r = reader.get(format!("{}/quan-tri/nhat-ky", s.url)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let log = r.text().await.unwrap();
        let rows: Vec<&str> = log.split("<tr><td>").skip(1).map(|r| r.split("</tr>").next().unwrap()).collect();
        let what: Vec<&str> = rows
            .iter()
            .map(|r| r.split("data-label=\"Thao tác\">").nth(1).unwrap().split("</td>").next().unwrap())
            .collect();
        // Newest first: the three changes, then the province's set-up (its staff accounts, the
        // province with its agencies and its catalogue in an entry each, a calendar year each),
        // made by the platform itself.
        let calendar = "Sửa lịch làm việc (ngày nghỉ, ngày làm bù)";
        assert_eq!(
            what,
            [
                "Cấp lại mật khẩu cho cán bộ",
                "Mở khóa tài khoản cán bộ",
                "Khóa tài khoản cán bộ",
                "Tạo các tài khoản cán bộ khi thiết lập tỉnh",
                "Thiết lập tỉnh (cơ quan, đơn vị hành chính)",
                "Nhập danh mục thủ tục hành chính",
                calendar,
                calendar,
                calendar
            ],
            "{log}"
        );
        assert!(rows[..3].iter().all(|r| r.contains("Triệu Văn Minh") && r.contains("Lý Văn Hùng")), "{rows:?}");
        assert!(rows[3..].iter().all(|r| r.contains("Dòng lệnh trên máy chủ")), "{rows:?}");
        assert!(rows[5].contains("144 thủ tục"), "{}", rows[5]);
        assert!(!log.contains("truoc="), "one page: no link to older ones");
    }
    let r = province.get(format!("{}/quan-tri/nhat-ky?truoc=1", s.url)).send().await.unwrap();
    assert!(!r.text().await.unwrap().contains("Lý Văn Hùng"), "nothing is older than the first entry");
    let r = province.get(format!("{}/quan-tri/nhat-ky?truoc=hom-qua", s.url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    // The auditor narrows the log to one kind of change, or to a period (Vietnam's days).
    let shown = |html: &str| -> Vec<String> {
        html.split("data-label=\"Thao tác\">").skip(1).map(|r| r.split("</td>").next().unwrap().to_owned()).collect()
    };
    let day = |days: i64| {
        (tinhso_kernel::calendar::local_date(chrono::Utc::now()) + chrono::Duration::days(days)).format("%d/%m/%Y")
    };
    let log = |query: String| {
        let auditor = &auditor;
        let url = format!("{}/quan-tri/nhat-ky?{query}", s.url);
        async move {
            let r = auditor.get(url).send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    let (st, html) = log("loai=staff_locked".into()).await;
    assert_eq!((st, shown(&html)), (StatusCode::OK, vec!["Khóa tài khoản cán bộ".to_owned()]), "{html:.3000}");
    assert!(html.contains("<option value=\"staff_locked\" selected>"), "the choice is kept");
    let (_, html) = log("loai=calendar_saved".into()).await;
    assert_eq!(shown(&html).len(), 3, "a year each");
    let (_, html) = log(format!("tu={}&den={}", day(-1), day(1))).await;
    assert_eq!(shown(&html).len(), 9, "every change was made today");
    let (st, html) = log(format!("loai=staff_unlocked&den={}", day(-1))).await;
    assert_eq!(st, StatusCode::OK);
    assert!(shown(&html).is_empty() && html.contains("Không có thay đổi nào khớp bộ lọc"), "{html:.3000}");
    // A name in the list leads to that person's changes only; the console's are the set-up's.
    let (_, html) = log(String::new()).await;
    let row = html.split("<tr>").find(|r| r.contains("Triệu Văn Minh")).unwrap();
    let href = row.split("href=\"").nth(1).unwrap().split('"').next().unwrap().replace("&amp;", "&");
    let (st, html) = log(href.trim_start_matches("/quan-tri/nhat-ky?").to_owned()).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(shown(&html).len(), 3, "{href}: {html:.3000}");
    assert!(html.contains("Thay đổi do <strong>Triệu Văn Minh</strong> thực hiện"), "{html:.3000}");
    let (_, html) = log(format!("{}&loai=staff_locked", href.trim_start_matches("/quan-tri/nhat-ky?"))).await;
    assert_eq!(shown(&html), ["Khóa tài khoản cán bộ"]);
    // Or typed by login in the filter; a login nobody has is an error on its field.
    let (st, html) = log("dang_nhap=QuanTri.CoQuan%40tinhso.local&loai=staff_locked".into()).await;
    assert_eq!((st, shown(&html)), (StatusCode::OK, vec!["Khóa tài khoản cán bộ".to_owned()]), "{html:.3000}");
    assert!(html.contains("Thay đổi do <strong>Triệu Văn Minh</strong> thực hiện"), "{html:.3000}");
    let (st, html) = log("dang_nhap=khong-ai%40tinhso.local".into()).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(html.contains("Không có tài khoản nào đăng nhập bằng khong-ai@tinhso.local") && shown(&html).is_empty());
    let (_, html) = log("nguoi=0".into()).await;
    assert_eq!(shown(&html).len(), 6, "the set-up's entries");
    for bad in ["nguoi=-5", "nguoi=ai-do"] {
        assert_eq!(log(bad.into()).await.0, StatusCode::BAD_REQUEST, "{bad}");
    }
    // Wrong filters: every error at once, each naming its field, and nothing listed.
    let (st, html) = log(format!("loai=xoa-het&tu=31/02/2026&den={}", day(0))).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(
        html.contains("Không có loại thay đổi này") && html.contains("tháng 2/2026 không có ngày 31"),
        "{html:.3000}"
    );
    assert!(shown(&html).is_empty());
    let (st, html) = log(format!("tu={}&den={}", day(0), day(-2))).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(html.contains("Ngày kết thúc phải từ ngày bắt đầu trở đi"), "{html:.3000}");
    for check in [["audit", "verify"], ["ioc", "check"]] {
        let args = [check.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>(), s.data_args()].concat();
        let (code, out, err) = tinhso_testkit::server::run_cli(crate::bin(), &args).await.unwrap();
        assert_eq!(code, 0, "{check:?}: {out}{err}");
    }
    // A lock set or lifted behind the platform's back is found.
    s.exec_sql("UPDATE account SET disabled = TRUE WHERE login = 'pheduyet@tinhso.local'").await.unwrap();
    let args = [vec!["audit".to_owned(), "verify".to_owned()], s.data_args()].concat();
    let (code, out, err) = tinhso_testkit::server::run_cli(crate::bin(), &args).await.unwrap();
    assert_eq!(code, 1, "{out}{err}");
    assert!(format!("{out}{err}").contains("pheduyet@tinhso.local"), "{out}{err}");
    s.exec_sql("UPDATE account SET disabled = FALSE WHERE login = 'pheduyet@tinhso.local'").await.unwrap();
    assert_eq!(tinhso_testkit::server::run_cli(crate::bin(), &args).await.unwrap().0, 0, "undone");
    // A role or agency changes only through an admin's move, recorded with it: a raise, a move
    // or a citizen made staff in the database is found, naming the account and the column,
    // and so is each undone.
    let agency_of =
        |login: &str| format!("agency_code = (SELECT a.agency_code FROM account a WHERE a.login = '{login}')");
    let tampers = [
        ("chuyenvien@tinhso.local", "role = 'province_admin'".to_owned(), "role = 'specialist'".to_owned(), "role"),
        // Moved to the province's service centre, then back to the agency its admin manages.
        (
            "chuyenvien@tinhso.local",
            agency_of("tiepnhan@tinhso.local"),
            agency_of("quantri.coquan@tinhso.local"),
            "agency",
        ),
        ("0912345678", "role = 'auditor'".to_owned(), "role = 'citizen'".to_owned(), "role"),
        // A citizen shut out: no page locks a citizen.
        ("0912345678", "disabled = TRUE".to_owned(), "disabled = FALSE".to_owned(), "disabled"),
    ];
    for (login, edit, undo, column) in tampers {
        s.exec_sql(&format!("UPDATE account SET {edit} WHERE login = '{login}'")).await.unwrap();
        let (code, out, err) = tinhso_testkit::server::run_cli(crate::bin(), &args).await.unwrap();
        assert_eq!(code, 1, "{edit}: {out}{err}");
        let said = format!("{out}{err}");
        assert!(said.contains(login) && said.contains(&format!("cột {column}")), "{edit}: {said}");
        s.exec_sql(&format!("UPDATE account SET {undo} WHERE login = '{login}'")).await.unwrap();
        assert_eq!(tinhso_testkit::server::run_cli(crate::bin(), &args).await.unwrap().0, 0, "undone: {edit}");
    }
    s.stop().await.unwrap();
}

/// Every role finds its own work from the header, on any page, and every link there opens for
/// it: an agency admin's staff accounts and an auditor's integrity checks were reachable only
/// from the account page.
#[tokio::test]
async fn each_role_finds_its_work_in_the_header() {
    let s = crate::server(tinhso_testkit::Backend::Sqlite).await;
    let roles: [(&str, &[&str], &[&str]); 9] = [
        ("0912345678", &["/ho-so"], &["/quan-tri", "/quan-tri/kiem-tra", "/dieu-hanh"]),
        ("tiepnhan@tinhso.local", &["/ho-so"], &["/quan-tri", "/quan-tri/kiem-tra", "/dieu-hanh"]),
        ("chuyenvien@tinhso.local", &["/ho-so"], &["/quan-tri", "/quan-tri/kiem-tra"]),
        ("pheduyet@tinhso.local", &["/ho-so"], &["/quan-tri", "/quan-tri/kiem-tra"]),
        ("quantri.coquan@tinhso.local", &["/ho-so", "/quan-tri"], &["/quan-tri/kiem-tra", "/dieu-hanh"]),
        ("quantri@tinhso.local", &["/quan-tri", "/dieu-hanh"], &["/quan-tri/kiem-tra"]),
        ("lanhdao@tinhso.local", &["/ho-so", "/dieu-hanh"], &["/quan-tri", "/quan-tri/kiem-tra"]),
        ("kiemtra@tinhso.local", &["/ho-so", "/quan-tri/kiem-tra"], &["/quan-tri", "/dieu-hanh"]),
        ("thamdinh@tinhso.local", &["/quan-tri/chuyen-doi-so"], &["/ho-so", "/quan-tri", "/dieu-hanh"]),
    ];
    for (login, has, lacks) in roles {
        let c = page_login(&s, login).await;
        // On the account page, which every role has, so the header is not the landing page's.
        let html = c.get(format!("{}/tai-khoan", s.url)).send().await.unwrap().text().await.unwrap();
        let header = &html[html.find("<header").unwrap()..html.find("</header>").unwrap()];
        let hrefs: Vec<&str> = header.split("href=\"").skip(1).filter_map(|h| h.split('"').next()).collect();
        for want in has {
            assert!(hrefs.contains(want), "{login}: the header lacks {want}: {hrefs:?}");
        }
        for not in lacks {
            assert!(!hrefs.contains(not), "{login}: the header offers {not}, which is not theirs: {hrefs:?}");
        }
        for href in hrefs.iter().filter(|h| h.starts_with('/') && !h.starts_with("/ngon-ngu/")) {
            let r = c.get(format!("{}{href}", s.url)).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{login}: the header's {href} answers {}", r.status());
        }
    }
}
