//! An officer promoted or transferred keeps their account: an admin gives it another role or
//! agency. The admin must be allowed both the account as it is and the post it goes to; the
//! officer's sessions end and they are told; the move is on the administrators' log and the
//! audit holds the account to it; a move made meanwhile by another admin is not overwritten.

use crate::dossier::{generic_form, verify, Caller, PASSWORD, PROVINCIAL};
use crate::journey::{csrf, page_login};
use crate::staff_accounts::action_id;
use reqwest::StatusCode;
use serde_json::{json, Value};
use tinhso_testkit::TestServer;

on_both_backends!(staff_moved_to_another_role_or_agency_sqlite, staff_moved_to_another_role_or_agency_postgres, story);

/// The values offered by the `<select name="{name}">` of a page.
fn options(html: &str, name: &str) -> Vec<String> {
    let Some(at) = html.find(&format!("<select id=\"{name}\" name=\"{name}\">")) else { return Vec::new() };
    let select = &html[at..html[at..].find("</select>").map_or(html.len(), |e| at + e)];
    select.split("<option value=\"").skip(1).filter_map(|o| o.split('"').next()).map(str::to_owned).collect()
}

/// The hidden `was` field of the move form.
fn was(html: &str) -> String {
    let at = html.find("name=\"was\" value=\"").expect("the form carries what it showed") + 18;
    html[at..].split('"').next().unwrap().to_owned()
}

/// The role and agency a login now has, from a fresh API login.
async fn post_of(s: &TestServer, login: &str) -> (String, String) {
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/session", s.url))
        .json(&json!({ "login": login, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{login} still logs in");
    let v: Value = r.json().await.unwrap();
    let a = &v["account"];
    (a["role"].as_str().unwrap_or_default().to_owned(), a["agency"].as_str().unwrap_or_default().to_owned())
}

async fn story(s: TestServer) {
    let url = format!("{}/quan-tri/tai-khoan", s.url);
    let agency_admin = page_login(&s, "quantri.coquan@tinhso.local").await;
    let province = page_login(&s, "quantri@tinhso.local").await;
    let all = province.get(&url).send().await.unwrap().text().await.unwrap();
    let [hung, desk, own, leader] =
        ["chuyenvien@tinhso.local", "tiepnhan@tinhso.local", "quantri.coquan@tinhso.local", "lanhdao@tinhso.local"]
            .map(|l| action_id(&all, l).unwrap_or_else(|| panic!("{l} is on the province admin's list")));
    let (_, dept) = post_of(&s, "chuyenvien@tinhso.local").await;
    let (_, centre) = post_of(&s, "tiepnhan@tinhso.local").await;
    assert_ne!(dept, centre);

    // Hùng holds a dossier's step; the move's page says so, for his leaders to assign it again.
    let citizen = Caller::login(&s, "0912345678", PASSWORD).await;
    let (_, d) = citizen.post("/api/v1/dossiers", json!({ "procedure": PROVINCIAL, "form": generic_form(2269) })).await;
    let held = d["code"].as_str().unwrap().to_owned();
    Caller::login(&s, "tiepnhan@tinhso.local", PASSWORD).await.act(&held, json!({ "action": "receive" })).await;
    let hung_api = Caller::login(&s, "chuyenvien@tinhso.local", PASSWORD).await;
    let (st, _) = hung_api.act(&held, json!({ "action": "start_processing" })).await;
    assert_eq!(st, StatusCode::OK);

    // The agency admin's page: the post as it is, the work held, only the roles it may grant
    // and only its own agency.
    let list = agency_admin.get(&url).send().await.unwrap().text().await.unwrap();
    let ask = format!("/quan-tri/tai-khoan/{hung}/vai-tro");
    assert!(list.contains(&format!("href=\"{ask}\"")), "{list:.3000}");
    let r = agency_admin.get(format!("{}{ask}", s.url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    assert!(page.contains("<h1>Đổi vai trò, cơ quan của Lý Văn Hùng (chuyenvien@tinhso.local)</h1>"), "{page:.3000}");
    assert!(page.contains("Hiện nay: <strong>Chuyên viên xử lý, Sở Tư pháp</strong>"), "{page:.3000}");
    assert!(page.contains("Cán bộ đang giữ") && page.contains(&held), "{page:.3000}");
    assert_eq!(options(&page, "role"), ["receptionist", "specialist", "approver", "agency_admin"]);
    assert_eq!(options(&page, "agency"), std::slice::from_ref(&dept));
    let token = csrf(&page);
    let seen = was(&page);
    let move_as = |who: &reqwest::Client, id: &str, form: Vec<(&'static str, String)>| {
        let (who, url) = (who.clone(), format!("{}/quan-tri/tai-khoan/{id}/vai-tro", s.url));
        async move {
            let r = who.post(url).form(&form).send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    let form = |role: &str, agency: &str, was: &str| {
        vec![("csrf", token.clone()), ("was", was.to_owned()), ("role", role.to_owned()), ("agency", agency.to_owned())]
    };

    // Refused, each with nothing changed: a province role; another agency; the same post; a
    // page from before a move; another agency's officer, the province's leader, its own
    // account (not even the page); no CSRF token; an approver; a citizen's or no account.
    let (st, html) = move_as(&agency_admin, &hung, form("province_admin", &dept, &seen)).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(html.contains("Chọn vai trò trong danh sách"), "{html:.3000}");
    let (st, html) = move_as(&agency_admin, &hung, form("specialist", &centre, &seen)).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(html.contains("Chọn cơ quan trong danh sách"), "{html:.3000}");
    let (st, html) = move_as(&agency_admin, &hung, form("specialist", &dept, &seen)).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(html.contains("Cán bộ đang có đúng vai trò và cơ quan này"), "{html:.3000}");
    let (st, html) = move_as(&agency_admin, &hung, form("approver", &dept, &format!("approver|{dept}"))).await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert!(html.contains("id=\"was\"") && html.contains("đã được đổi"), "{html:.3000}");
    assert!(html.contains("<option value=\"approver\" selected>"), "what was chosen is kept: {html:.3000}");
    for id in [&desk, &leader, &own] {
        assert_eq!(move_as(&agency_admin, id, form("approver", &dept, &seen)).await.0, StatusCode::FORBIDDEN, "{id}");
        let r = agency_admin.get(format!("{url}/{id}/vai-tro")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{id}");
    }
    let mut no_token = form("approver", &dept, &seen);
    no_token.remove(0);
    assert_eq!(move_as(&agency_admin, &hung, no_token).await.0, StatusCode::FORBIDDEN);
    let approver = page_login(&s, "pheduyet@tinhso.local").await;
    let mine = approver.get(format!("{}/tai-khoan", s.url)).send().await.unwrap().text().await.unwrap();
    let r = approver
        .post(format!("{url}/{hung}/vai-tro"))
        .form(&[
            ("csrf", csrf(&mine)),
            ("was", seen.clone()),
            ("role", "agency_admin".into()),
            ("agency", dept.clone()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "an approver manages nobody");
    for id in [citizen.id.to_string(), "999999".into(), "abc".into()] {
        assert_eq!(move_as(&agency_admin, &id, form("approver", &dept, &seen)).await.0, StatusCode::NOT_FOUND, "{id}");
    }
    assert_eq!(post_of(&s, "chuyenvien@tinhso.local").await, ("specialist".into(), dept.clone()), "untouched");
    assert_eq!(post_of(&s, "lanhdao@tinhso.local").await.0, "leader");

    // Promoted: his open session ends, he is told, and he logs in again as an approver, with
    // his account, and so his history, kept.
    let hung_page = page_login(&s, "chuyenvien@tinhso.local").await;
    let (st, html) = move_as(&agency_admin, &hung, form("approver", &dept, &seen)).await;
    assert_eq!(st, StatusCode::OK, "{html:.3000}");
    assert!(
        html.contains("Đã đổi Lý Văn Hùng (chuyenvien@tinhso.local) sang Lãnh đạo phê duyệt, Sở Tư pháp"),
        "{html:.3000}"
    );
    let r = hung_page.get(format!("{}/ho-so", s.url)).send().await.unwrap();
    assert_eq!(r.url().path(), "/dang-nhap", "the open session ended");
    let (st, _) = hung_api.get("/api/v1/dossiers").await;
    assert_eq!(st, StatusCode::UNAUTHORIZED, "the API session too");
    assert_eq!(post_of(&s, "chuyenvien@tinhso.local").await, ("approver".into(), dept.clone()));
    let again = page_login(&s, "chuyenvien@tinhso.local").await;
    let notices = again.get(format!("{}/thong-bao", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(notices.contains("Vai trò, cơ quan của tài khoản đã được đổi"), "{notices:.3000}");
    assert!(notices.contains("sang Lãnh đạo phê duyệt, Sở Tư pháp"), "{notices:.3000}");
    assert_eq!(Caller::login(&s, "chuyenvien@tinhso.local", PASSWORD).await.id, hung_api.id, "the same account");
    // His agency's leaders (its approver and its admin) are told, with the move, of the
    // dossier he holds, to assign it again; nobody else is.
    let to_assign = "Cần giao lại hồ sơ cán bộ Lý Văn Hùng (chuyenvien@tinhso.local) đang giữ";
    for leader in ["pheduyet@tinhso.local", "quantri.coquan@tinhso.local"] {
        let (_, inbox) = Caller::login(&s, leader, PASSWORD).await.get("/api/v1/notifications").await;
        let told = inbox["items"].as_array().unwrap().iter().find(|m| m["subject"] == to_assign);
        let body = told.and_then(|m| m["body"].as_str()).unwrap_or_else(|| panic!("{leader}: {inbox}"));
        assert!(body.contains("đã được chuyển từ Chuyên viên xử lý, Sở Tư pháp sang Lãnh đạo phê duyệt"), "{body}");
        assert!(body.contains(&held) && body.contains("giao lại"), "{body}");
    }
    for other in ["chuyenvien@tinhso.local", "lanhdao@tinhso.local", "tiepnhan@tinhso.local"] {
        let (_, inbox) = Caller::login(&s, other, PASSWORD).await.get("/api/v1/notifications").await;
        assert!(!inbox.to_string().contains("Cần giao lại hồ sơ"), "{other}: {inbox}");
    }

    // Two province admins' pages from one post, saved at once: one move lands, the other is
    // told that the officer was moved meanwhile.
    let page = province.get(format!("{url}/{hung}/vai-tro")).send().await.unwrap().text().await.unwrap();
    assert_eq!(options(&page, "agency"), options(&all, "agency"), "every agency, as when adding staff");
    let (token, seen) = (csrf(&page), was(&page));
    assert_eq!(seen, format!("approver|{dept}"));
    let at_once = |role: &'static str, agency: String| {
        let (c, url) = (province.clone(), format!("{url}/{hung}/vai-tro"));
        let form = [("csrf", token.clone()), ("was", seen.clone()), ("role", role.into()), ("agency", agency)];
        async move { c.post(url).form(&form).send().await.unwrap().status() }
    };
    let (a, b) = tokio::join!(at_once("specialist", centre.clone()), at_once("agency_admin", dept.clone()));
    let mut got = [a, b];
    got.sort();
    assert_eq!(got, [StatusCode::OK, StatusCode::CONFLICT]);
    let now = post_of(&s, "chuyenvien@tinhso.local").await;
    let transferred = now == ("specialist".to_owned(), centre.clone());
    assert!(transferred || now == ("agency_admin".to_owned(), dept.clone()), "{now:?}");
    if !transferred {
        let page = province.get(format!("{url}/{hung}/vai-tro")).send().await.unwrap().text().await.unwrap();
        let form =
            [("csrf", csrf(&page)), ("was", was(&page)), ("role", "specialist".into()), ("agency", centre.clone())];
        let r = province.post(format!("{url}/{hung}/vai-tro")).form(&form).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
    // Transferred to the service centre: out of reach of his old agency's admin.
    let list = agency_admin.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(!list.contains("chuyenvien@tinhso.local"), "{list:.3000}");
    let r = agency_admin.get(format!("{url}/{hung}/vai-tro")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let hung_there = Caller::login(&s, "chuyenvien@tinhso.local", PASSWORD).await;
    let (st, v) = hung_there.act(&held, json!({ "action": "complete_step", "note": "Đã đối chiếu" })).await;
    assert!(matches!(st, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "no longer his to act on: {st} {v}");
    // His old agency's page of it names him still, as gone from the agency, to assign again.
    let approver = page_login(&s, "pheduyet@tinhso.local").await;
    let page = approver.get(format!("{}/ho-so/{held}", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Lý Văn Hùng (đã chuyển khỏi cơ quan, cần giao lại)"), "{page:.6000}");
    let rows = approver.get(format!("{}/ho-so", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(rows.contains("Cần giao lại: người xử lý đã chuyển khỏi cơ quan"), "{rows:.6000}");

    // A province-wide role may belong to no agency; an agency role may not. The province's
    // leader becomes its auditor, with no agency; a new auditor is added the same way.
    let page = province.get(format!("{url}/{leader}/vai-tro")).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains("<option value=\"\">Không thuộc cơ quan nào (chỉ cho vai trò cấp tỉnh)</option>"),
        "{page:.3000}"
    );
    let (token, seen) = (csrf(&page), was(&page));
    let to = |role: &'static str, agency: &str| {
        let form =
            [("csrf", token.clone()), ("was", seen.clone()), ("role", role.to_owned()), ("agency", agency.to_owned())];
        let (c, url) = (province.clone(), format!("{url}/{leader}/vai-tro"));
        async move {
            let r = c.post(url).form(&form).send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    let (st, html) = to("specialist", "").await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(html.contains("Chọn cơ quan của cán bộ"), "{html:.3000}");
    assert_eq!(to("auditor", "").await.0, StatusCode::OK);
    assert_eq!(post_of(&s, "lanhdao@tinhso.local").await, ("auditor".into(), String::new()));
    let add = |role: &str, agency: &str| {
        let form = [
            ("csrf", csrf(&all)),
            ("full_name", "Hoàng Thị Lan".to_owned()),
            ("login", "kiemtra2@tinhso.local".to_owned()),
            ("role", role.to_owned()),
            ("agency", agency.to_owned()),
        ];
        let (c, url) = (province.clone(), url.clone());
        async move { c.post(url).form(&form).send().await.unwrap().status() }
    };
    assert_eq!(add("specialist", "").await, StatusCode::BAD_REQUEST);
    assert_eq!(add("auditor", "").await, StatusCode::OK);

    // On the log, read by the province admin, with where each move went from and to; the
    // chain and the accounts pass the audit; a role put back in the database is found.
    let log = province.get(format!("{}/quan-tri/nhat-ky?loai=staff_reassigned", s.url)).send().await.unwrap();
    let log = log.text().await.unwrap();
    let moves = log.matches("data-label=\"Thao tác\">Đổi vai trò hoặc cơ quan của cán bộ (").count();
    assert_eq!(moves, if transferred { 3 } else { 4 }, "{log:.5000}");
    assert!(log.contains("Chuyên viên xử lý, Sở Tư pháp → Lãnh đạo phê duyệt, Sở Tư pháp"), "{log:.5000}");
    let (code, out) = verify(&s).await;
    assert_eq!(code, 0, "{out}");
    s.exec_sql("UPDATE account SET role = 'approver' WHERE login = 'chuyenvien@tinhso.local'").await.unwrap();
    let (code, out) = verify(&s).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("chuyenvien@tinhso.local") && out.contains("cột role"), "{out}");
    s.stop().await.unwrap();
}
