//! The citizen's path through the pages as a person takes it (no JavaScript, plain HTTP):
//! applying while logged out leads through logging in or registering straight back to the
//! form; the form is prefilled from the account; withdrawing asks for confirmation; every
//! action ends on the dossier with what was done said at the top.

use crate::dossier::{generic_form, Caller, PASSWORD, PROVINCIAL};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tinhso_testkit::Backend;

pub(crate) fn csrf(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").unwrap() + 19;
    html[at..].split('"').next().unwrap().to_owned()
}

/// The demo citizen, logged in over the API, and the code of a provincial dossier they just submitted.
async fn submitted(s: &tinhso_testkit::TestServer) -> (Caller, String) {
    let citizen = Caller::login(s, "0912345678", PASSWORD).await;
    let (_, units) = citizen.get("/api/v1/units").await;
    let commune = units["items"][0]["code"].as_u64().unwrap();
    let (st, d) =
        citizen.post("/api/v1/dossiers", json!({ "procedure": PROVINCIAL, "form": generic_form(commune) })).await;
    assert_eq!(st, StatusCode::CREATED, "{d}");
    let code = d["code"].as_str().unwrap().to_owned();
    (citizen, code)
}

fn value_of(html: &str, id: &str) -> String {
    let at = html.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no #{id}"));
    let rest = &html[at..];
    let v = rest.find("value=\"").unwrap() + 7;
    rest[v..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn applying_while_logged_out_comes_back_to_the_form_prefilled() {
    let s = crate::server(Backend::Sqlite).await;
    let c = s.client();
    let form = format!("{}/thu-tuc/{PROVINCIAL}/nop", s.url);
    let r = c.get(&form).send().await.unwrap();
    assert_eq!(r.url().path(), "/dang-nhap", "to the login page first");
    let login_page = r.text().await.unwrap();
    assert!(login_page.contains("Đăng nhập để nộp hồ sơ:"), "says why");
    assert!(login_page.contains("name=\"tiep\" value=\"/thu-tuc/2.000635/nop\""), "carries the way back");
    assert!(login_page.contains("/dang-ky?tiep=%2Fthu-tuc%2F2.000635%2Fnop"), "registration keeps it too");

    // A new citizen registers from there and lands on the form, name and personal id filled in.
    let r = register_new_citizen(&s, &c, "/thu-tuc/2.000635/nop").await;
    assert_eq!(r.url().path(), "/thu-tuc/2.000635/nop", "back at the form");
    let html = r.text().await.unwrap();
    assert_eq!(value_of(&html, "form.ho_ten"), "Hà Thị Mỷ");
    assert_eq!(value_of(&html, "form.so_dinh_danh"), "008195001234");
    assert_eq!(value_of(&html, "form.so_dien_thoai"), "0977123456");
    // The 124 communes in two groups, wards then communes, each in Vietnamese alphabetical
    // order of the proper name (đ after d, ơ after o, …).
    let picker = html.split("id=\"form.dia_chi.commune\"").nth(1).unwrap().split("</select>").next().unwrap();
    let names: Vec<&str> = picker
        .split("<option value=\"")
        .skip(1)
        .filter(|o| !o.starts_with('"'))
        .filter_map(|o| o.split_once('>').and_then(|(_, rest)| rest.split("</option>").next()))
        .collect();
    assert_eq!(names.len(), 124, "{names:?}");
    assert!(names.windows(2).all(|w| tinhso_kernel::text::vi_cmp(w[0], w[1]).is_le()), "{names:?}");
    assert!(names.first().unwrap().starts_with("Phường") && names.last().unwrap().starts_with("Xã"), "{names:?}");
    let groups: Vec<&str> = picker.split("<optgroup label=\"").skip(1).filter_map(|g| g.split('"').next()).collect();
    assert_eq!(groups, ["Phường", "Xã"]);

    // The header's login link comes back to the page it was clicked on, e.g. the report form
    // (whose photos need an account).
    let anon = s.client();
    let report = anon.get(format!("{}/phan-anh/gui", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(report.contains("href=\"/dang-nhap?tiep=%2Fphan-anh%2Fgui\""), "{report:.2000}");
    let home = anon.get(format!("{}/", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("href=\"/dang-nhap\""), "from the home page, the usual landing");
    // The fields to browse, in Vietnamese alphabetical order (d before đ).
    let fields: Vec<String> = home
        .split("href=\"/thu-tuc?linh-vuc=")
        .skip(1)
        .filter_map(|l| l.split('"').next())
        .map(|f| {
            let url = reqwest::Url::parse(&format!("http://x/?f={f}")).unwrap();
            url.query_pairs().next().map(|(_, v)| v.into_owned()).unwrap()
        })
        .collect();
    assert!(fields.len() > 3, "{fields:?}");
    assert!(fields.windows(2).all(|w| tinhso_kernel::text::vi_cmp(&w[0], &w[1]).is_lt()), "{fields:?}");
    let login = anon.get(format!("{}/dang-nhap?tiep=%2Fphan-anh%2Fgui", s.url)).send().await.unwrap();
    let login = login.text().await.unwrap();
    let r = anon
        .post(format!("{}/dang-nhap", s.url))
        .form(&[
            ("csrf", csrf(&login).as_str()),
            ("login", "0912345678"),
            ("password", PASSWORD),
            ("tiep", "/phan-anh/gui"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.url().path(), "/phan-anh/gui", "back at the report form");

    // The way back is a path of this site only: another site is never a destination.
    let anon = s.client();
    let page = anon.get(format!("{}/dang-nhap?tiep=%2F%2Fevil.example%2Fx", s.url)).send().await.unwrap();
    let page = page.text().await.unwrap();
    assert!(!page.contains("evil.example"), "an outside address is dropped");
    let r = anon
        .post(format!("{}/dang-nhap", s.url))
        .form(&[
            ("csrf", csrf(&page).as_str()),
            ("login", "0912345678"),
            ("password", PASSWORD),
            ("tiep", "https://evil.example/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.url().host_str(), Some("127.0.0.1"));
    assert_eq!(r.url().path(), "/ho-so");
    s.stop().await.unwrap();
}

#[tokio::test]
async fn withdrawing_asks_for_confirmation_and_actions_say_what_they_did() {
    let s = crate::server(Backend::Sqlite).await;
    let (citizen, code) = submitted(&s).await;
    let show = citizen.c.get(format!("{}/ho-so/{code}", s.url)).send().await.unwrap().text().await.unwrap();
    // Withdrawing comes after the main actions, behind a confirmation.
    assert!(show.contains("Tôi muốn rút hồ sơ này"));
    let token = csrf(&show);
    let withdraw = |confirm: bool| {
        let mut fields = vec![("csrf", token.clone()), ("action", "withdraw".to_owned()), ("reason", String::new())];
        if confirm {
            fields.push(("xac_nhan", "co".to_owned()));
        }
        citizen.c.post(format!("{}/ho-so/{code}/hanh-dong", s.url)).form(&fields).send()
    };
    let r = withdraw(false).await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("để xác nhận rút hồ sơ"));
    let (_, still) = citizen.get(&format!("/api/v1/dossiers/{code}")).await;
    assert_eq!(still["state_code"], Value::from(1), "nothing changed without the confirmation");
    let r = withdraw(true).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.url().query(), Some("xong=withdraw"));
    let html = r.text().await.unwrap();
    assert!(html.contains("class=\"success\"") && html.contains("Đã rút hồ sơ."), "says what was done");
    // The message is the platform's own words: a made-up key says nothing.
    let odd = citizen.c.get(format!("{}/ho-so/{code}?xong=%3Cscript%3E", s.url)).send().await.unwrap();
    assert!(!odd.text().await.unwrap().contains("class=\"success\""));
    s.stop().await.unwrap();
}

/// The whole lifecycle through the pages: the citizen applies, the desk receives, staff
/// process, and anyone tracks the dossier with its code and phone.
#[tokio::test]
async fn lifecycle_through_the_pages() {
    let s = crate::server(Backend::Sqlite).await;
    let page = |c: reqwest::Client, url: String| async move {
        let r = c.get(url).send().await.unwrap();
        (r.status(), r.url().path().to_owned(), r.text().await.unwrap())
    };
    let login = |login: &'static str| {
        let s = &s;
        async move {
            let c = s.client();
            let (_, _, html) = page(c.clone(), format!("{}/dang-nhap", s.url)).await;
            let at = html.find("name=\"csrf\" value=\"").unwrap() + 19;
            let token = html[at..].split('"').next().unwrap().to_owned();
            let r = c
                .post(format!("{}/dang-nhap", s.url))
                .form(&[("csrf", token.as_str()), ("login", login), ("password", PASSWORD)])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            let html = r.text().await.unwrap();
            let at = html.find("name=\"csrf\" value=\"").unwrap() + 19;
            (c, html[at..].split('"').next().unwrap().to_owned())
        }
    };
    let (citizen, token) = login("0912345678").await;
    let (_, _, detail) = page(citizen.clone(), format!("{}/thu-tuc/{PROVINCIAL}", s.url)).await;
    assert!(detail.contains(&format!("/thu-tuc/{PROVINCIAL}/nop")), "the procedure page offers to apply");
    let apply = format!("{}/thu-tuc/{PROVINCIAL}/nop", s.url);
    let r = citizen.post(&apply).form(&[("csrf", token.as_str()), ("form.ho_ten", "")]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    assert!(html.contains("Có lỗi cần sửa") && html.contains("Nhập số định danh cá nhân"));
    // Errors are announced: "Lỗi:" in the title, the summary takes the focus, each field says it
    // is invalid and which texts (its hint, its error) describe it.
    assert!(html.contains("<title>Lỗi: "), "{html:.300}");
    assert!(html.contains("class=\"error-summary\" role=\"alert\" tabindex=\"-1\" autofocus"));
    assert!(html.contains("aria-describedby=\"form.so_dinh_danh-hint form.so_dinh_danh-error\""));
    assert!(html.contains("aria-invalid=\"true\""));
    let (_, _, mine) = page(citizen.clone(), format!("{}/ho-so", s.url)).await;
    assert!(mine.contains("Chưa có hồ sơ nào"), "nothing written");
    let (_, units) = Caller::login(&s, "0912345678", PASSWORD).await.get("/api/v1/units?limit=1").await;
    let commune = units["items"][0]["code"].as_u64().unwrap().to_string();
    let r = citizen.post(&apply).form(&application(&token, &commune)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let code = r.url().path().rsplit('/').next().unwrap().to_owned();
    let html = r.text().await.unwrap();
    assert!(html.contains("Đã nộp hồ sơ thành công") && html.contains(&format!("<p class=\"big-code\">{code}</p>")));
    assert!(
        html.contains("Đã gửi, chờ cán bộ tiếp nhận") && html.contains("Chờ cán bộ Một cửa tiếp nhận"),
        "state in plain words and the next step"
    );

    // The desk receives through its inbox; the receipt slip carries the code and a QR code.
    let (desk, desk_token) = login("tiepnhan@tinhso.local").await;
    let (_, _, inbox) = page(desk.clone(), format!("{}/ho-so", s.url)).await;
    assert!(inbox.contains(&code) && inbox.contains("Mới đăng ký"));
    // The officer reads what was filed before the actions; the main action comes first and the
    // one turning the dossier away last.
    let (_, _, shown) = page(desk.clone(), format!("{}/ho-so/{code}", s.url)).await;
    let at = |needle: &str| shown.find(needle).unwrap_or_else(|| panic!("{needle} on the desk's page"));
    assert!(at("Thông tin tờ khai") < at("id=\"thao-tac\"") && at("href=\"#thao-tac\"") < at("Thông tin tờ khai"));
    assert!(at("value=\"receive\"") < at("value=\"request_supplement\""));
    assert!(at("value=\"request_supplement\"") < at("value=\"refuse\""));
    let act = format!("{}/ho-so/{code}/hanh-dong", s.url);
    let r = desk.post(&act).form(&[("csrf", desk_token.as_str()), ("action", "receive")]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("Đã tiếp nhận"));
    let (st, _, slip) = page(desk.clone(), format!("{}/ho-so/{code}/phieu/tiep-nhan", s.url)).await;
    assert_eq!(st, StatusCode::OK);
    assert!(slip.contains(&code) && slip.contains("<svg") && slip.contains("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"));
    assert!(slip.contains(&format!("/tra-cuu?ma={code}")));
    let r = desk.post(&act).form(&[("csrf", desk_token.as_str()), ("action", "receive")]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT, "a repeated step is refused on the page too");

    // The specialist asks for a supplement (Mẫu 02); the citizen supplements from their page.
    let (specialist, sp_token) = login("chuyenvien@tinhso.local").await;
    for form in [
        vec![("action", "start_processing")],
        vec![
            ("action", "request_supplement"),
            ("items", "Bản sao giấy khai sinh\nGiấy xác nhận cư trú"),
            ("reason", "Bản chụp mờ"),
        ],
    ] {
        let mut f = vec![("csrf", sp_token.as_str())];
        f.extend(form);
        let r = specialist.post(&act).form(&f).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
    // Their list says first what waits on them, and leads to it.
    let (_, _, list) = page(citizen.clone(), format!("{}/ho-so", s.url)).await;
    let waiting = "<a href=\"/ho-so?trang-thai=supplement_requested\">1 hồ sơ cần ông/bà bổ sung giấy tờ</a>";
    assert!(list.contains(waiting), "{list}");
    let (_, _, only) = page(citizen.clone(), format!("{}/ho-so?trang-thai=supplement_requested", s.url)).await;
    assert_eq!(only.matches("href=\"/ho-so/").count(), 1, "{only}");
    assert!(only.contains(&format!("href=\"/ho-so/{code}\"")));
    let (_, _, mine) = page(citizen.clone(), format!("{}/ho-so/{code}", s.url)).await;
    assert!(mine.contains("Cần bổ sung:") && mine.contains("Bản sao giấy khai sinh"));
    let at = |needle: &str| mine.find(needle).unwrap_or_else(|| panic!("{needle} on the citizen's page"));
    assert!(at("value=\"supplement\"") < at("Thông tin tờ khai"), "what the applicant must do comes first");
    assert!(at("value=\"supplement\"") < at("value=\"withdraw\""));
    let (st, _, form2) = page(citizen.clone(), format!("{}/ho-so/{code}/phieu/bo-sung", s.url)).await;
    assert_eq!(st, StatusCode::OK);
    assert!(form2.contains("YÊU CẦU BỔ SUNG") && form2.contains("Bản chụp mờ"));
    // One file input for each paper asked for, so both go in one sending.
    for (i, item) in ["Bản sao giấy khai sinh", "Giấy xác nhận cư trú"].iter().enumerate() {
        let n = i + 1;
        assert!(
            mine.contains(&format!("<label for=\"files.supplement.{n}\">{item}</label><input type=\"file\"")),
            "an input for {item}"
        );
    }
    let pdf: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n";
    let scan: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Lang (vi) >> endobj\n%%EOF\n";
    let (ct, body) = multipart(
        &[("csrf", token.as_str()), ("action", "supplement"), ("note", "Bản rõ nét")],
        &[("file.supplement.1", "khai-sinh.pdf", pdf), ("file.supplement.2", "cu-tru.pdf", scan)],
    );
    let r = citizen.post(format!("{act}?csrf={token}")).header("content-type", ct).body(body).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("Đang giải quyết") && html.contains("Đã gửi giấy tờ bổ sung."), "plain words, what was done");
    let (_, _, list) = page(citizen.clone(), format!("{}/ho-so", s.url)).await;
    assert!(!list.contains("Việc ông/bà cần làm"), "nothing waits on them any more");
    for name in ["khai-sinh.pdf", "cu-tru.pdf"] {
        let row = html.split(&format!("{name}</a>")).nth(1).and_then(|r| r.split("</tr>").next()).unwrap_or_default();
        assert!(row.contains("Bổ sung"), "{name} is attached as a supplement: {row:?}");
    }

    // A refused dossier leaves the desk's default list of open work, and stays under "Tất cả".
    let r = citizen.post(&apply).form(&application(&token, &commune)).send().await.unwrap();
    let refused = r.url().path().rsplit('/').next().unwrap().to_owned();
    let r = desk
        .post(format!("{}/ho-so/{refused}/hanh-dong", s.url))
        .form(&[("csrf", desk_token.as_str()), ("action", "refuse"), ("reason", "Nộp nhầm thủ tục")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (_, _, open) = page(desk.clone(), format!("{}/ho-so", s.url)).await;
    assert!(open.contains(&code) && !open.contains(&refused), "open work only");
    let (_, _, all) = page(desk.clone(), format!("{}/ho-so?trang-thai=tat-ca", s.url)).await;
    assert!(all.contains(&refused) && all.contains("Không được tiếp nhận"));

    // Anyone can track it with the code and the phone, and nothing more.
    // The receipt's QR link fills the code in; the phone is posted, never in the address.
    let anon = s.client();
    let (st, _, form) = page(anon.clone(), format!("{}/tra-cuu?ma={code}", s.url)).await;
    assert_eq!(st, StatusCode::OK);
    assert!(form.contains(&format!("value=\"{code}\"")) && form.contains("method=\"post\""));
    assert!(form.contains("id=\"sdt\" name=\"sdt\" value=\"\""), "nobody's phone for a visitor");
    // The applicant, logged in with their phone, is not asked to type it again; the desk is.
    let (_, _, theirs) = page(citizen.clone(), format!("{}/tra-cuu?ma={code}", s.url)).await;
    assert!(theirs.contains("id=\"sdt\" name=\"sdt\" value=\"0912345678\""), "the citizen's own phone");
    let (_, _, desks) = page(desk.clone(), format!("{}/tra-cuu?ma={code}", s.url)).await;
    assert!(desks.contains("id=\"sdt\" name=\"sdt\" value=\"\""), "staff look up other people's dossiers");
    let at = form.find("name=\"csrf\" value=\"").unwrap() + 19;
    let token = form[at..].split('"').next().unwrap().to_owned();
    let ask = |phone: &'static str| {
        let (anon, url, code, token) = (anon.clone(), format!("{}/tra-cuu", s.url), code.clone(), token.clone());
        async move {
            let r =
                anon.post(url).form(&[("csrf", token.as_str()), ("ma", code.as_str()), ("sdt", phone)]).send().await;
            let r = r.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    let (st, found) = ask("0912345678").await;
    assert_eq!(st, StatusCode::OK);
    assert!(found.contains("Đang giải quyết") && found.contains("không cần làm gì thêm"), "plain words");
    assert!(!found.contains("Nguyễn Văn An"), "nothing personal");
    let (st, nope) = ask("0987654321").await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(nope.contains("Không tìm thấy hồ sơ"));
    // In English too, for whoever chose it.
    let english = s.client();
    english.get(format!("{}/ngon-ngu/en", s.url)).send().await.unwrap();
    let form = english.get(format!("{}/tra-cuu", s.url)).send().await.unwrap().text().await.unwrap();
    let r = english
        .post(format!("{}/tra-cuu", s.url))
        .form(&[("csrf", csrf(&form).as_str()), ("ma", code.as_str()), ("sdt", "0912345678")])
        .send()
        .await
        .unwrap();
    let en = r.text().await.unwrap();
    assert!(en.contains("<h1>Track a dossier</h1>") && en.contains("Being decided"), "{en:.3000}");
    assert!(en.contains("Nothing more is needed from you") && !en.contains("Ngày hẹn trả"), "{en:.3000}");
    let (st, _, _) = page(anon, format!("{}/tra-cuu?ma={code}&sdt=0912345678", s.url)).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "a phone in the address is refused, not used");
    s.stop().await.unwrap();
}

/// A citizen who chose English applies and follows the dossier in English: the form's chrome,
/// its errors, the confirmation, the dossier's facts and history, their list and their notices.
#[tokio::test]
async fn applying_in_english() {
    let s = crate::server(Backend::Sqlite).await;
    let c = page_login(&s, "0912345678").await;
    c.get(format!("{}/ngon-ngu/en", s.url)).send().await.unwrap();
    let apply = format!("{}/thu-tuc/{PROVINCIAL}/nop", s.url);
    let form = c.get(&apply).send().await.unwrap().text().await.unwrap();
    assert!(form.contains("<h1>Apply online</h1>") && form.contains("Send the application"), "{form:.3000}");
    // The procedure's own name stays Vietnamese and says so, for screen readers (WCAG 3.1.2).
    assert!(form.contains("<p class=\"lead\" lang=\"vi\">"), "{form:.3000}");
    let token = csrf(&form);
    let r = c.post(&apply).form(&[("csrf", token.as_str()), ("form.ho_ten", "")]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    assert!(html.contains("<title>Error: ") && !html.contains("Nhập số định danh cá nhân"), "errors in English");
    let commune = form.split("<option value=\"").nth(2).and_then(|o| o.split('"').next()).unwrap().to_owned();
    let r = c.post(&apply).form(&application(&token, &commune)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    for text in ["Your application was sent", "What comes next", "Sent, waiting to be received", "Applied on", "Online"]
    {
        assert!(html.contains(text), "{text}: {html:.4000}");
    }
    assert!(html.contains("<strong>Applied</strong>"), "the history in English");
    let list = c.get(format!("{}/ho-so", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(list.contains("<h1>My dossiers</h1>") && list.contains("Result due"), "{list:.3000}");
    let code = list.split("<a href=\"/ho-so/").nth(1).and_then(|c| c.split('"').next()).unwrap().to_owned();
    // The notice of it reads in English too.
    let notices = c.get(format!("{}/thong-bao", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(notices.contains(&format!("Dossier {code}: sent")) && !notices.contains("đã nộp"), "{notices:.3000}");
    // The language follows the reader: the desk, in Vietnamese, reads the dossier in Vietnamese
    // whatever the applicant chose, and so the notices of a Vietnamese reader.
    let desk = page_login(&s, "tiepnhan@tinhso.local").await;
    let page = desk.get(format!("{}/ho-so/{code}", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Mới đăng ký") && page.contains("Nộp hồ sơ") && !page.contains("Applied on"), "{page:.3000}");
    s.stop().await.unwrap();
}

/// A second application does not ask again for the contact address the first one gave: it is
/// offered (editable), and so is its commune; a procedure's own fields are not carried over.
#[tokio::test]
async fn the_next_application_remembers_the_contact_address() {
    let s = crate::server(Backend::Sqlite).await;
    let c = page_login(&s, "0912345678").await;
    let apply = format!("{}/thu-tuc/{PROVINCIAL}/nop", s.url);
    let form = c.get(&apply).send().await.unwrap().text().await.unwrap();
    assert_eq!(value_of(&form, "form.dia_chi"), "", "nothing to offer before a first dossier");
    let commune = form.split("<option value=\"").nth(2).and_then(|o| o.split('"').next()).unwrap().to_owned();
    let r = c.post(&apply).form(&application(&csrf(&form), &commune)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // Another procedure, decided by a commune: the address and its commune are offered.
    let other = format!("{}/thu-tuc/1.001193/nop", s.url);
    let form = c.get(&other).send().await.unwrap().text().await.unwrap();
    assert_eq!(value_of(&form, "form.dia_chi"), "Thôn Nà Lừa");
    let picker = form.split("id=\"form.dia_chi.commune\"").nth(1).unwrap().split("</select>").next().unwrap();
    assert!(picker.contains(&format!("<option value=\"{commune}\" selected>")), "{picker:.300}");
    let deciding = form.split("id=\"commune\"").nth(1).unwrap().split("</select>").next().unwrap();
    assert!(deciding.contains(&format!("<option value=\"{commune}\" selected>")), "the commune to decide too");
    assert_eq!(value_of(&form, "form.ten_tre"), "", "a procedure's own fields start empty");
    s.stop().await.unwrap();
}

/// Slips and the DCAT catalogue carry the public address the province configured, not the
/// address the server was reached at inside the data centre nor a Host a client made up.
#[tokio::test]
async fn slips_print_the_configured_public_address() {
    let data = tinhso_testkit::server::fresh_data_dir().unwrap();
    let args = ["--demo-dossiers", "0", "--public-url", "https://dichvucong.tuyenquang.gov.vn/"];
    let s = tinhso_testkit::TestServer::start_on(Backend::Sqlite, crate::bin(), data, None, &args).await.unwrap();
    let (_, code) = submitted(&s).await;
    let desk = Caller::login(&s, "tiepnhan@tinhso.local", PASSWORD).await;
    assert_eq!(desk.act(&code, json!({ "action": "receive" })).await.0, StatusCode::OK);
    let slip = desk.c.get(format!("{}/ho-so/{code}/phieu/tiep-nhan", s.url)).send().await.unwrap();
    let slip = slip.text().await.unwrap();
    assert!(slip.contains(&format!("https://dichvucong.tuyenquang.gov.vn/tra-cuu?ma={code}")), "{slip}");
    assert!(!slip.contains("127.0.0.1"));
    // So does the DCAT catalogue, whatever Host a client sends, and then shared caches may keep it.
    let r = desk.c.get(format!("{}/catalog.ttl", s.url)).header("Host", "attacker.example").send().await.unwrap();
    assert_eq!(r.headers()["cache-control"], "public, max-age=60");
    let ttl = r.text().await.unwrap();
    assert!(ttl.contains("https://dichvucong.tuyenquang.gov.vn/") && !ttl.contains("attacker.example"), "{ttl}");
    s.stop().await.unwrap();
}

/// Staff find a dossier in their inbox by its code, the applicant's personal id or phone, and
/// see who applied; a search that can be none of those says so; lists by state page through
/// (sorting by due date: `tests/it/inbox.rs`); a page number or sort that is not one is refused.
#[tokio::test]
async fn staff_search_their_inbox_by_code_or_phone() {
    let s = crate::server(Backend::Sqlite).await;
    let (_, code) = submitted(&s).await;
    let desk = Caller::login(&s, "tiepnhan@tinhso.local", PASSWORD).await;
    let get = |q: String| {
        let c = desk.c.clone();
        let url = format!("{}/ho-so?{q}", s.url);
        async move {
            let r = c.get(url).send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    let (st, by_code) = get(format!("tim={code}")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(by_code.contains("1 hồ sơ") && by_code.contains(&format!("/ho-so/{code}\"")), "found by code");
    let (_, by_phone) = get("tim=0912345678".into()).await;
    assert!(by_phone.contains(&format!("/ho-so/{code}\"")), "found by the applicant's phone");
    assert!(by_phone.contains("<td data-label=\"Người nộp\">Nguyễn Văn An</td>"), "who applied is shown");
    let (_, by_id) = get("tim=008090001234".into()).await;
    assert!(by_id.contains(&format!("/ho-so/{code}\"")), "found by the applicant's personal id");
    let (_, unknown_id) = get("tim=008090009999".into()).await;
    assert!(unknown_id.contains("0 hồ sơ"));
    let (_, other_phone) = get("tim=0987654321".into()).await;
    assert!(other_phone.contains("0 hồ sơ") && !other_phone.contains(&format!("/ho-so/{code}\"")));
    let (_, nonsense) = get("tim=abc".into()).await;
    assert!(nonsense.contains("Nhập mã hồ sơ (in trên phiếu hẹn), số định danh cá nhân"), "says what it takes");
    // Another agency's staff do not find it.
    let other = Caller::login(&s, "motcua.2269@tinhso.local", PASSWORD).await;
    let r = other.c.get(format!("{}/ho-so?tim={code}", s.url)).send().await.unwrap();
    assert!(r.text().await.unwrap().contains("0 hồ sơ"), "only what their agency works on");
    // Paging of a list by state.
    let (st, page2) = get("trang-thai=submitted&trang=2".into()).await;
    assert_eq!(st, StatusCode::OK);
    assert!(page2.contains("Trang trước") && !page2.contains(&format!("/ho-so/{code}\"")));
    let (st, _) = get("trang-thai=submitted&trang=x".into()).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let (st, _) = get("trang-thai=received&sap-xep=ngau-nhien".into()).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    s.stop().await.unwrap();
}

/// The provincial procedure's e-form as the demo citizen fills it in on the page.
pub(crate) fn application<'a>(token: &'a str, commune: &'a str) -> [(&'static str, &'a str); 6] {
    [
        ("csrf", token),
        ("form.ho_ten", "Nguyễn Văn An"),
        ("form.so_dinh_danh", "008090001234"),
        ("form.so_dien_thoai", "0912345678"),
        ("form.dia_chi", "Thôn Nà Lừa"),
        ("form.dia_chi.commune", commune),
    ]
}

/// A browser (cookie jar) logged in through the login page, as a person does.
/// Registers a new citizen, Hà Thị Mỷ (0977123456), on `c` from the registration page reached
/// on the way to `next`; the answer, redirects followed.
pub(crate) async fn register_new_citizen(
    s: &tinhso_testkit::TestServer,
    c: &reqwest::Client,
    next: &str,
) -> reqwest::Response {
    let reg = c.get(format!("{}/dang-ky", s.url)).query(&[("tiep", next)]).send().await.unwrap();
    let reg = reg.text().await.unwrap();
    c.post(format!("{}/dang-ky", s.url))
        .form(&[
            ("csrf", csrf(&reg).as_str()),
            ("tiep", next),
            ("full_name", "Hà Thị Mỷ"),
            ("login", "0977123456"),
            ("personal_id", "008195001234"),
            ("password", "ruộng bậc thang mùa lúa chín"),
        ])
        .send()
        .await
        .unwrap()
}

pub(crate) async fn page_login(s: &tinhso_testkit::TestServer, login: &str) -> reqwest::Client {
    let c = s.client();
    let page = c.get(format!("{}/dang-nhap", s.url)).send().await.unwrap().text().await.unwrap();
    let r = c
        .post(format!("{}/dang-nhap", s.url))
        .form(&[("csrf", csrf(&page).as_str()), ("login", login), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "login {login}");
    c
}

/// A multipart body as a browser sends it: text fields, then files.
pub(crate) fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----tinhso-test-boundary-7d3f";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").bytes(),
        );
    }
    for (name, file, bytes) in files {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Every problem of an application is said in one pass (the e-form's and a refused upload's),
/// and a file that was accepted is kept: the corrected form goes through without uploading it again.
#[tokio::test]
async fn every_error_at_once_and_accepted_files_are_kept() {
    let s = crate::server(Backend::Sqlite).await;
    let c = page_login(&s, "0912345678").await;
    let url = format!("{}/thu-tuc/{PROVINCIAL}/nop", s.url);
    let form = c.get(&url).send().await.unwrap().text().await.unwrap();
    let token = csrf(&form);
    let commune = form.split("<option value=\"").nth(2).and_then(|o| o.split('"').next()).unwrap().to_owned();
    let pdf: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n";
    let typed = |id: &'static str| {
        vec![
            ("csrf", token.clone()),
            ("form.ho_ten", "Nguyễn Văn An".to_owned()),
            ("form.so_dinh_danh", id.to_owned()),
            ("form.so_dien_thoai", "0912345678".to_owned()),
            ("form.dia_chi", "Thôn Nà Lừa".to_owned()),
            ("form.dia_chi.commune", commune.clone()),
            ("form.noi_dung", String::new()),
        ]
    };
    let fields = typed("");
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (ct, body) =
        multipart(&fields, &[("file.2", "can-cuoc.pdf", pdf), ("file.1", "uy-quyen.pdf", b"MZ\x90\0 not a pdf")]);
    // Forms with files carry the session's token in their address too (checked before the body).
    let r = c.post(format!("{url}?csrf={token}")).header("content-type", ct).body(body).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    let summary = html.split("error-summary").nth(1).unwrap().split("</div>").next().unwrap();
    assert!(summary.contains("Nhập số định danh cá nhân"), "the e-form's error: {summary}");
    assert!(summary.contains("href=\"#files.1\""), "the refused upload's error, in the same pass: {summary}");
    assert!(html.contains("Đã tải lên: <strong>can-cuoc.pdf</strong>"), "the accepted file is kept");
    let at = html.find("name=\"reuse.2\" value=\"").unwrap() + 22;
    let kept = html[at..].split('"').next().unwrap().to_owned();
    assert_eq!(kept.len(), 64);

    // Corrected, without uploading the kept file again.
    let mut fields = typed("008090001234");
    fields.push(("reuse.2", kept));
    let r = c.post(&url).form(&fields).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.url().query() == Some("da-nop=1"), "{}", r.url());
    // The file is listed as the paper it stands for, so the desk checks it against the list.
    let html = r.text().await.unwrap();
    let row = html.split("can-cuoc.pdf</a>").nth(1).and_then(|r| r.split("</tr>").next()).unwrap();
    assert!(row.contains("Hộ chiếu/Thẻ căn cước công dân"), "{row}");
    s.stop().await.unwrap();
}

/// The declaration is written from the e-form: the procedure's page and the application offer
/// its blank printout instead of asking for an upload; the dossier shows it filled in, to the
/// applicant and the staff handling it, and to nobody else.
#[tokio::test]
async fn the_declaration_is_written_from_the_form() {
    let s = crate::server(Backend::Sqlite).await;
    let anon = s.client();
    let page = anon.get(format!("{}/thu-tuc/{PROVINCIAL}", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("href=\"/thu-tuc/{PROVINCIAL}/to-khai\"")), "the form to print is linked");
    let r = anon.get(format!("{}/thu-tuc/{PROVINCIAL}/to-khai", s.url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let blank = r.text().await.unwrap();
    assert!(blank.contains("TỜ KHAI ĐỀ NGHỊ BẢN SAO TRÍCH LỤC HỘ TỊCH"), "titled after the component");
    assert!(blank.contains("Họ và tên") && blank.contains("để trống, điền tay"), "the e-form's fields, blank");
    // A procedure without an e-form declaration has no such page.
    let r = anon.get(format!("{}/thu-tuc/9.999999/to-khai", s.url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    let (citizen, code) = submitted(&s).await;
    let show = citizen.c.get(format!("{}/ho-so/{code}", s.url)).send().await.unwrap().text().await.unwrap();
    assert!(show.contains(&format!("href=\"/ho-so/{code}/to-khai\"")), "linked from the dossier");
    let filled = citizen.c.get(format!("{}/ho-so/{code}/to-khai", s.url)).send().await.unwrap();
    assert_eq!(filled.status(), StatusCode::OK);
    let filled = filled.text().await.unwrap();
    assert!(filled.contains("Nguyễn Văn An") && filled.contains("008090001234"), "what was declared");
    assert!(filled.contains("Khai và gửi trực tuyến bằng tài khoản của người khai"), "how it was signed");
    assert!(filled.contains("Kính gửi: Sở Tư pháp"), "to the deciding agency");
    let desk = Caller::login(&s, "tiepnhan@tinhso.local", PASSWORD).await;
    let r = desk.c.get(format!("{}/ho-so/{code}/to-khai", s.url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "the desk handling it reads it");
    let other = Caller::login(&s, "motcua.2269@tinhso.local", PASSWORD).await;
    let r = other.c.get(format!("{}/ho-so/{code}/to-khai", s.url)).send().await.unwrap();
    assert!(matches!(r.status(), StatusCode::NOT_FOUND | StatusCode::FORBIDDEN), "{}", r.status());
    let r = anon.get(format!("{}/ho-so/{code}/to-khai", s.url)).send().await.unwrap();
    assert_eq!(r.url().path(), "/dang-nhap", "logged out: to the login page");
}

/// A procedure's page offers each visitor the way to apply that is theirs: a citizen (or anyone
/// logged out) applies online, a desk officer registers a walk-in's dossier, other staff get no
/// button that would only lead to a refusal.
#[tokio::test]
async fn a_procedure_page_offers_each_visitor_their_own_way_to_apply() {
    let s = crate::server(Backend::Sqlite).await;
    let page = format!("{}/thu-tuc/{PROVINCIAL}", s.url);
    let online = format!("href=\"/thu-tuc/{PROVINCIAL}/nop\"");
    let desk = format!("href=\"/mot-cua?procedure={PROVINCIAL}\"");
    let anonymous = s.client().get(&page).send().await.unwrap().text().await.unwrap();
    assert!(anonymous.contains(&online) && !anonymous.contains(&desk));
    for (login, has_online, has_desk) in [
        ("0912345678", true, false),
        ("tiepnhan@tinhso.local", false, true),
        ("chuyenvien@tinhso.local", false, false),
        ("pheduyet@tinhso.local", false, false),
        ("lanhdao@tinhso.local", false, false),
        ("quantri.coquan@tinhso.local", false, false),
    ] {
        let c = page_login(&s, login).await;
        let html = c.get(&page).send().await.unwrap().text().await.unwrap();
        assert_eq!((html.contains(&online), html.contains(&desk)), (has_online, has_desk), "{login}");
        // Whatever is offered opens.
        for (offered, href) in
            [(has_online, format!("/thu-tuc/{PROVINCIAL}/nop")), (has_desk, format!("/mot-cua?procedure={PROVINCIAL}"))]
        {
            if offered {
                let r = c.get(format!("{}{href}", s.url)).send().await.unwrap();
                assert_eq!(r.status(), StatusCode::OK, "{login} {href}");
            }
        }
    }
    s.stop().await.unwrap();
}
