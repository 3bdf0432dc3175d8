//! A citizen's own account through the pages: the notices the platform sent, a password
//! changed (the current one checked, other sessions ended), and a forgotten one set again
//! through the one-stop desk.

use crate::dossier::{PASSWORD, PROVINCIAL};
use crate::journey::{application, csrf, page_login};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tinhso_testkit::Backend;

/// A citizen reads the notices the platform sent in their inbox page, and changes their
/// password: the current one is checked, every problem said at once, and their other sessions
/// end at once.
#[tokio::test]
async fn notices_to_read_and_a_password_to_change() {
    let s = crate::server(Backend::Sqlite).await;
    let c = page_login(&s, "0912345678").await;
    let elsewhere = page_login(&s, "0912345678").await;
    let inbox = c.get(format!("{}/thong-bao", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(inbox.contains("Chưa có thông báo nào") && inbox.contains("href=\"/thong-bao\""), "linked from every page");
    let apply = format!("{}/thu-tuc/{PROVINCIAL}/nop", s.url);
    let form = c.get(&apply).send().await.unwrap().text().await.unwrap();
    let commune = form.split("<option value=\"").nth(2).and_then(|o| o.split('"').next()).unwrap().to_owned();
    let r = c.post(&apply).form(&application(&csrf(&form), &commune)).send().await.unwrap();
    let code = r.url().path().rsplit('/').next().unwrap().to_owned();
    // Every page's header says a notice is new, on a phone too; reading the inbox reads it.
    let home = c.get(format!("{}/", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(
        home.contains("Thông báo <strong>(1 mới)</strong>")
            && home.contains("<strong>1</strong><span class=\"visually-hidden\"> thông báo mới</span>"),
        "{home:.3000}"
    );
    let inbox = c.get(format!("{}/thong-bao", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(inbox.contains(&format!("href=\"/ho-so/{code}\"")), "the submission's notice, linked: {inbox:.3000}");
    assert_eq!(inbox.matches(">Mới</strong>").count(), 1, "marked new once: {inbox:.3000}");
    assert!(!inbox.contains("(1 mới)"), "read now");
    let again = c.get(format!("{}/thong-bao", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(!again.contains(">Mới</strong>") && again.contains(&code), "no longer new, still there");
    let home = c.get(format!("{}/", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(!home.contains(" mới)</strong>"), "{home:.3000}");
    // A copy of their personal data, from the account page: the account, the dossier with what
    // they entered, the notices; a download never cached; nobody else's.
    let account = c.get(format!("{}/tai-khoan", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(account.contains("href=\"/tai-khoan/du-lieu\""));
    let r = c.get(format!("{}/tai-khoan/du-lieu", s.url)).send().await.unwrap();
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert!(r.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    let mine: Value = r.json().await.unwrap();
    assert_eq!(mine["account"]["login"], "0912345678");
    assert_eq!(mine["account"]["personal_id"], "008090001234");
    let items = mine["dossiers"]["items"].as_array().unwrap();
    let this = items.iter().find(|d| d["code"] == code.as_str()).expect("the dossier just submitted");
    assert_eq!(this["form"]["dia_chi"]["detail"], "Thôn Nà Lừa", "what they entered: {this}");
    assert!(mine["notices"].as_array().unwrap().iter().any(|n| n["dossier"] == code.as_str()));
    let other = page_login(&s, "motcua.2269@tinhso.local").await;
    let theirs: Value = other.get(format!("{}/tai-khoan/du-lieu", s.url)).send().await.unwrap().json().await.unwrap();
    assert!(theirs["dossiers"]["items"].as_array().unwrap().iter().all(|d| d["code"] != code.as_str()));
    let anon = s.client().get(format!("{}/tai-khoan/du-lieu", s.url)).send().await.unwrap();
    assert_eq!(anon.url().path(), "/dang-nhap");

    let account = c.get(format!("{}/tai-khoan", s.url)).send().await.unwrap().text().await.unwrap();
    let change = |fields: Vec<(&'static str, String)>| {
        let (c, url) = (c.clone(), format!("{}/tai-khoan/mat-khau", s.url));
        let mut form = vec![("csrf", csrf(&account))];
        form.extend(fields);
        async move { c.post(url).form(&form).send().await.unwrap() }
    };
    let r = change(vec![("current", "sai mật khẩu rồi".into()), ("new", "ngắn".into())]).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    assert!(html.contains("Mật khẩu đang dùng không đúng") && html.contains("ít nhất 10 ký tự"), "both at once");
    let new = "đồi chè xanh mướt Tân Trào";
    let r = change(vec![("current", PASSWORD.into()), ("new", new.into())]).await;
    assert_eq!(r.url().path(), "/tai-khoan");
    assert!(r.text().await.unwrap().contains("Đã đổi mật khẩu"));
    // The other session ended; the old password no longer logs in, the new one does.
    let r = elsewhere.get(format!("{}/ho-so", s.url)).send().await.unwrap();
    assert_eq!(r.url().path(), "/dang-nhap", "the other session is over");
    let try_login = |password: &'static str| {
        let url = format!("{}/api/v1/session", s.url);
        async move {
            let r = reqwest::Client::new().post(url).json(&json!({ "login": "0912345678", "password": password }));
            r.send().await.unwrap().status()
        }
    };
    assert_eq!(try_login(PASSWORD).await, StatusCode::UNAUTHORIZED);
    assert_eq!(try_login(new).await, StatusCode::OK);
    let r = c.get(format!("{}/ho-so", s.url)).send().await.unwrap();
    assert_eq!(r.url().path(), "/ho-so", "the session that changed it goes on");
    let notices = c.get(format!("{}/thong-bao", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(notices.contains("Mật khẩu tài khoản đã được đổi"), "told, in case it was not them");
    s.stop().await.unwrap();
}

/// A citizen who forgot their password: the login page says what to do, a desk officer who
/// checked their identity card gives them a code, and they set a new password with it; a wrong
/// code, or another person's personal id, does nothing.
#[tokio::test]
async fn a_forgotten_password_set_again_through_the_desk() {
    let s = crate::server(Backend::Sqlite).await;
    let citizen = page_login(&s, "0912345678").await;
    let anon = s.client();
    let login = anon.get(format!("{}/dang-nhap", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(login.contains("href=\"/dat-lai-mat-khau\""), "the login page links to it");
    let help = anon.get(format!("{}/dat-lai-mat-khau", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(help.contains("mang thẻ căn cước đến Bộ phận Một cửa"), "says what to do");
    // This server has no mail relay: no code by email is promised.
    assert!(!help.contains("/dat-lai-mat-khau/gui-ma") && !help.contains("nhận mã qua thư"), "{help:.3000}");
    let form = [("csrf", csrf(&help)), ("login", "an.nguyen@example.vn".to_owned())];
    let r = anon.post(format!("{}/dat-lai-mat-khau/gui-ma", s.url)).form(&form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.text().await.unwrap().contains("chưa gửi được thư điện tử"));

    // Only a desk resets, after ticking that the identity card was checked.
    let r = citizen.get(format!("{}/can-bo/dat-lai-mat-khau", s.url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let desk = page_login(&s, "motcua.2269@tinhso.local").await;
    let form = desk.get(format!("{}/can-bo/dat-lai-mat-khau", s.url)).send().await.unwrap().text().await.unwrap();
    let reset = |fields: Vec<(&'static str, &'static str)>| {
        let (desk, url, token) = (desk.clone(), format!("{}/can-bo/dat-lai-mat-khau", s.url), csrf(&form));
        async move {
            let mut f = vec![("csrf", token.as_str())];
            f.extend(fields);
            let r = desk.post(url).form(&f).send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    let (st, html) = reset(vec![("personal_id", "008090001234")]).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(html.contains("đối chiếu thẻ căn cước"), "the check is confirmed first");
    let (st, html) = reset(vec![("personal_id", "001099999999"), ("xac_nhan", "co")]).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(html.contains("Không có tài khoản công dân nào với số định danh này"));
    let (st, html) = reset(vec![("personal_id", "008090001234"), ("xac_nhan", "co")]).await;
    assert_eq!(st, StatusCode::OK);
    let code = html.split("<p class=\"big-code\">").nth(1).and_then(|c| c.split('<').next()).unwrap().to_owned();
    assert_eq!(code.len(), 9, "{code}");
    let r = citizen.get(format!("{}/ho-so", s.url)).send().await.unwrap();
    assert_eq!(r.url().path(), "/dang-nhap", "the citizen's sessions ended with the reset");

    // The citizen sets a new password: a wrong code first, then the right one.
    let page = anon.get(format!("{}/dat-lai-mat-khau", s.url)).send().await.unwrap().text().await.unwrap();
    let set = |code: String| {
        let (anon, url, token) = (anon.clone(), format!("{}/dat-lai-mat-khau", s.url), csrf(&page));
        async move {
            let form = [
                ("csrf", token.as_str()),
                ("login", "0912345678"),
                ("personal_id", "008090001234"),
                ("ma", code.as_str()),
                ("password", "suối Lê-nin hang Pác Bó"),
            ];
            anon.post(url).form(&form).send().await.unwrap()
        }
    };
    let r = set("ZZZZ-9999".into()).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("không khớp nhau"));
    let r = set(code.to_lowercase()).await;
    assert_eq!(r.url().path(), "/tai-khoan", "logged in with the new password");
    assert!(r.text().await.unwrap().contains("Đã đổi mật khẩu"));
    let notices = anon.get(format!("{}/thong-bao", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(notices.contains("Mật khẩu tài khoản đã được đặt lại"), "the owner is told: {notices:.2000}");
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/session", s.url))
        .json(&json!({ "login": "0912345678", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "the old password is gone");
    // Guessing codes for someone's login soon has to wait, as guessing passwords does.
    let guesser = s.client();
    let page = guesser.get(format!("{}/dat-lai-mat-khau", s.url)).send().await.unwrap().text().await.unwrap();
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let form = [
            ("csrf", csrf(&page)),
            ("login", "0913000001".to_owned()),
            ("personal_id", "001090000001".to_owned()),
            ("ma", "ABCD-2345".to_owned()),
            ("password", "một cụm từ đủ dài để thử".to_owned()),
        ];
        let r = guesser.post(format!("{}/dat-lai-mat-khau", s.url)).form(&form).send().await.unwrap();
        statuses.push((r.status(), r.headers().contains_key("retry-after")));
    }
    assert_eq!(statuses.first(), Some(&(StatusCode::BAD_REQUEST, false)), "{statuses:?}");
    assert_eq!(statuses.last(), Some(&(StatusCode::TOO_MANY_REQUESTS, true)), "{statuses:?}");
    s.stop().await.unwrap();
}
