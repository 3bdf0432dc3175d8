//! The backend-agnostic story: a citizen finds procedures, registers and logs in; a province
//! admin edits the catalogue and the calendar; bad input is refused and changes nothing.

use reqwest::StatusCode;
use serde_json::Value;
use tinhso_testkit::{Backend, TestServer};

on_both_backends!(story_on_sqlite, story_on_postgres, story);

async fn get_json(c: &reqwest::Client, url: &str) -> (StatusCode, Value) {
    let r = c.get(url).send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap())
}

async fn first_codes(s: &TestServer, q: &str) -> Vec<String> {
    let c = s.client();
    let url = format!("{}/api/v1/procedures?q={}&limit=5", s.url, urlencode(q));
    let (status, v) = get_json(&c, &url).await;
    assert_eq!(status, StatusCode::OK, "{q}: {v}");
    v["items"].as_array().unwrap().iter().map(|i| i["code"].as_str().unwrap().to_owned()).collect()
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The CSRF token in a page's forms.
fn csrf(html: &str) -> String {
    let Some(at) = html.find("name=\"csrf\" value=\"").map(|i| i + 19) else {
        panic!("page has no csrf field: {}", html.split("<main").nth(1).unwrap_or(html));
    };
    html[at..].split('"').next().unwrap().to_owned()
}

async fn page(c: &reqwest::Client, url: &str) -> (StatusCode, String) {
    let r = c.get(url).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

async fn login(s: &TestServer, login: &str, password: &str) -> reqwest::Client {
    let c = s.client();
    let (_, html) = page(&c, &format!("{}/dang-nhap", s.url)).await;
    let r = c
        .post(format!("{}/dang-nhap", s.url))
        .form(&[("csrf", csrf(&html).as_str()), ("login", login), ("password", password)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "login {login}");
    c
}

async fn story(s: TestServer) {
    let c = s.client();
    let backend = match s.backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };

    // Health and the province model.
    let (status, health) = get_json(&c, &format!("{}/healthz", s.url)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(health["database"], backend);
    assert_eq!(health["procedures"], 144);
    assert!(s.banner.contains("quantri@tinhso.local"), "demo accounts are printed at start-up");
    assert!(!s.banner.contains("0913000001"), "no history, so no citizen with dossiers is offered");
    let (_, units) = get_json(&c, &format!("{}/api/v1/units", s.url)).await;
    assert_eq!(units["total"], 124);
    assert_eq!(units["items"].as_array().unwrap().len(), 124);
    assert_eq!(units["province"]["name"], "Tuyên Quang");
    assert!(
        units["items"].as_array().unwrap().iter().any(|u| u["name"] == "Phường Hà Giang 1"),
        "former Hà Giang is in"
    );
    let (_, some) = get_json(&c, &format!("{}/api/v1/units?limit=10&offset=120", s.url)).await;
    assert_eq!(some["items"].as_array().unwrap().len(), 4);

    // Search: with or without diacritics, any case and spacing; the right procedure first.
    assert_eq!(first_codes(&s, "dang ky khai sinh").await[0], "1.001193");
    assert_eq!(first_codes(&s, "khai sinh").await[0], "1.001193");
    assert_eq!(first_codes(&s, "  Đăng   KÝ khai sinh ").await[0], "1.001193");
    for q in ["giấy phép xây dựng", "GIAY PHEP XAY DUNG"] {
        let codes = first_codes(&s, q).await;
        let (_, top) = get_json(&c, &format!("{}/api/v1/procedures/{}", s.url, codes[0])).await;
        let name = top["name"].as_str().unwrap().to_lowercase();
        assert!(name.contains("giấy phép xây dựng"), "{q}: first is {name}");
    }
    let (_, v) = get_json(&c, &format!("{}/api/v1/procedures?q=ho%20tich&level=province&limit=100", s.url)).await;
    let total = v["total"].as_u64().unwrap();
    assert!(
        total >= 1
            && v["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|i| i["levels"].as_array().unwrap().contains(&"province".into()))
    );
    let (_, v) =
        get_json(&c, &format!("{}/api/v1/procedures?online=fully_online&agency=commune_committee&limit=100", s.url))
            .await;
    assert!(v["total"].as_u64().unwrap() > 0);
    let (_, p) = get_json(&c, &format!("{}/api/v1/procedures/1.001193", s.url)).await;
    assert_eq!(p["name"], "Thủ tục đăng ký khai sinh");
    assert_eq!(p["form_fields"].as_array().unwrap().len(), 9);

    // Bad API input: stable codes, 4xx.
    for (url, status, code) in [
        ("/api/v1/procedures?colour=red", 400, "invalid_query"),
        ("/api/v1/procedures?limit=0", 400, "invalid_limit"),
        ("/api/v1/procedures?limit=abc", 400, "invalid_query"),
        ("/api/v1/procedures?level=district", 400, "invalid_level"),
        ("/api/v1/procedures?agency=000.00.99.H08", 400, "unknown_agency"),
        ("/api/v1/procedures/9.999999", 404, "not_found"),
        ("/api/v1/nothing", 404, "not_found"),
        ("/api/v1/units?limit=1000", 400, "invalid_limit"),
    ] {
        let (st, v) = get_json(&c, &format!("{}{url}", s.url)).await;
        assert_eq!(st.as_u16(), status, "{url}: {v}");
        assert_eq!(v["code"], code, "{url}");
        assert!(!v["message"].as_str().unwrap().is_empty());
    }
    // Pages are read by people following shared links: a social network's or a chat app's
    // tracker is left out, what the page knows still counts, a wrong value is still refused.
    for (url, status, needle) in [
        ("/thu-tuc?q=khai+sinh&fbclid=IwAR0x&utm_source=zalo", 200, "Thủ tục đăng ký khai sinh"),
        ("/phan-anh?zarsrc=30&utm_medium=social", 200, "Phản ánh, kiến nghị"),
        ("/minh-bach?fbclid=x", 200, "Đúng hạn"),
        ("/thu-tuc?level=district&fbclid=x", 400, "Mã lỗi"),
    ] {
        let r = c.get(format!("{}{url}", s.url)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), status, "{url}");
        assert!(r.text().await.unwrap().contains(needle), "{url}");
    }
    let (_, spec) = get_json(&c, &format!("{}/api/openapi.json", s.url)).await;
    assert_eq!(spec["openapi"], "3.1.0");
    for path in [
        "/api/v1/procedures",
        "/api/v1/procedures/{code}",
        "/api/v1/units",
        "/healthz",
        "/api/v1/session",
        "/api/v1/dossiers",
        "/api/v1/dossiers/{code}",
        "/api/v1/dossiers/{code}/events",
        "/api/v1/dossiers/{code}/actions",
        "/api/v1/files",
        "/api/v1/lookup",
        "/api/v1/ioc/index",
        "/api/v1/ioc/dossiers",
    ] {
        assert!(spec["paths"].get(path).is_some(), "{path} documented");
    }

    // The portal, without JavaScript.
    let (st, home) = page(&c, &format!("{}/", s.url)).await;
    assert_eq!(st, StatusCode::OK);
    assert!(home.contains("Tìm thủ tục hành chính") && home.contains("lang=\"vi\""));
    let (_, results) = page(&c, &format!("{}/thu-tuc?q=dang+ky+khai+sinh", s.url)).await;
    let first = results.find("/thu-tuc/1.001193").expect("khai sinh listed");
    assert!(results.find("/thu-tuc/1.004884").is_none_or(|other| first < other), "exact procedure first");
    let (_, detail) = page(&c, &format!("{}/thu-tuc/1.001193", s.url)).await;
    assert!(detail.contains("Giấy chứng sinh") && detail.contains("Miễn phí"));
    let (st, missing) = page(&c, &format!("{}/thu-tuc/9.999999", s.url)).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert!(missing.contains("Không tìm thấy"));
    // A missing page does not strand the visitor: it offers the procedure search and the lookup.
    assert!(missing.contains("<title>Không tìm thấy trang"), "{missing}");
    assert!(missing.contains("action=\"/thu-tuc\"") && missing.contains("href=\"/tra-cuu\""), "{missing}");
    let (st, bad) = page(&c, &format!("{}/thu-tuc?page=abc", s.url)).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(bad.contains("không hợp lệ"));
    // English as the second locale.
    let en = s.client();
    en.get(format!("{}/ngon-ngu/en", s.url)).send().await.unwrap();
    let (_, en_home) = page(&en, &format!("{}/", s.url)).await;
    assert!(en_home.contains("Find an administrative procedure") && en_home.contains("lang=\"en\""));

    // Registration: every problem reported, nothing written.
    let (_, form) = page(&c, &format!("{}/dang-ky", s.url)).await;
    let token = csrf(&form);
    let r = c
        .post(format!("{}/dang-ky", s.url))
        .form(&[
            ("csrf", token.as_str()),
            ("full_name", ""),
            ("login", "0112"),
            ("personal_id", "123"),
            ("password", "short"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    for msg in ["Nhập họ và tên", "Nhập số điện thoại", "12 chữ số", "ít nhất 10 ký tự"] {
        assert!(html.contains(msg), "register error {msg}");
    }
    // Without the CSRF token: refused.
    let r = c
        .post(format!("{}/dang-ky", s.url))
        .form(&[
            ("full_name", "Vàng Thị Mỷ"),
            ("login", "0987654321"),
            ("personal_id", "008190012345"),
            ("password", "núi đá tai mèo"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = c
        .post(format!("{}/dang-ky", s.url))
        .form(&[
            ("csrf", token.as_str()),
            ("full_name", "Vàng Thị Mỷ"),
            ("login", "0987 654 321"),
            ("personal_id", "008190012345"),
            ("password", "núi đá tai mèo"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.url().path().ends_with("/tai-khoan"));
    assert!(r.text().await.unwrap().contains("Vàng Thị Mỷ"));
    let citizen = login(&s, "0987654321", "núi đá tai mèo").await;
    let (st, _) = page(&citizen, &format!("{}/quan-tri/thu-tuc/moi", s.url)).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "a citizen cannot edit the catalogue");

    // Login throttling: after three free wrong passwords each one makes the next wait longer,
    // and while a wait runs even the right password is refused (429 with Retry-After).
    let t = s.client();
    let (_, form) = page(&t, &format!("{}/dang-nhap", s.url)).await;
    let token = csrf(&form);
    let mut statuses = Vec::new();
    for _ in 0..8 {
        let r = t
            .post(format!("{}/dang-nhap", s.url))
            .form(&[("csrf", token.as_str()), ("login", "lanhdao@tinhso.local"), ("password", "wrong password!")])
            .send()
            .await
            .unwrap();
        statuses.push(r.status());
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            break;
        }
    }
    assert_eq!(statuses[..3], [StatusCode::UNAUTHORIZED; 3], "three free tries");
    assert_eq!(statuses.last(), Some(&StatusCode::TOO_MANY_REQUESTS), "then a wait: {statuses:?}");
    let r = t
        .post(format!("{}/dang-nhap", s.url))
        .form(&[("csrf", token.as_str()), ("login", "lanhdao@tinhso.local"), ("password", "TuyenQuang-demo-2025")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key("retry-after"));
    let html = r.text().await.unwrap();
    assert!(html.contains("Vui lòng thử lại sau"), "said in words");
    assert!(html.contains("value=\"lanhdao@tinhso.local\""), "on the login form, the login still typed in");

    // A province admin edits the catalogue; invalid input changes nothing.
    let admin = login(&s, "quantri@tinhso.local", "TuyenQuang-demo-2025").await;
    let (st, form) = page(&admin, &format!("{}/quan-tri/thu-tuc/moi", s.url)).await;
    assert_eq!(st, StatusCode::OK);
    let token = csrf(&form);
    let bad = [
        ("csrf", token.as_str()),
        ("code", "2.999999"),
        ("name", ""),
        ("field", "Hộ tịch"),
        ("agency", "commune_committee"),
        ("time_value", "năm"),
        ("time_unit", "days"),
        ("fee", "0"),
        ("online", "fully_online"),
        ("applicants", "everyone"),
    ];
    let r = admin.post(format!("{}/quan-tri/thu-tuc", s.url)).form(&bad).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    assert!(html.contains("Nhập thời hạn giải quyết bằng số") && html.contains("Có lỗi cần sửa"));
    assert!(html.contains("Chọn đối tượng thực hiện trong danh sách"), "every problem at once");
    let (st, _) = get_json(&c, &format!("{}/api/v1/procedures/2.999999", s.url)).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "nothing written");
    let good = [
        ("csrf", token.as_str()),
        ("code", "2.999999"),
        ("name", "Thủ tục thử nghiệm cấp giấy xác nhận đường thôn"),
        ("field", "Giao thông nông thôn"),
        ("levels", "commune"),
        ("agency", "commune_committee"),
        ("time_value", "4"),
        ("time_unit", "days"),
        ("fee", "15.000"),
        ("online", "fully_online"),
        ("applicants", "people"),
        ("components[0].name", "Đơn đề nghị"),
        ("components[0].copy_kind", "original"),
        ("components[0].mandatory", "1"),
        ("components[1].name", "Bản sao sổ hộ khẩu"),
        ("components[1].copy_kind", "copy"),
        ("steps[0].name", "Thẩm định, trình ký"),
        ("steps[0].role", "specialist"),
        ("steps[0].budget", "3"),
        ("steps[0].unit", "days"),
        ("steps[1].name", "Ký giấy xác nhận"),
        ("steps[1].role", "approver"),
        ("steps[1].budget", "8"),
        ("steps[1].unit", "hours"),
        ("form_fields[0].label", "Họ và tên"),
        ("form_fields[0].key", "ho_ten"),
        ("form_fields[0].type", "text"),
        ("form_fields[0].required", "1"),
        ("form_fields[1].label", "Thôn"),
        ("form_fields[1].key", "thon"),
        ("form_fields[1].type", "select"),
        ("form_fields[1].options", "Thôn Nà Lừa; Thôn Bản Mán"),
        ("form_fields[1].required", "1"),
        // A blank group, as the page offers them, adds nothing.
        ("form_fields[2].label", ""),
        ("form_fields[2].key", ""),
        ("form_fields[2].type", "text"),
        ("form_fields[2].required", "1"),
    ];
    let r = admin.post(format!("{}/quan-tri/thu-tuc", s.url)).form(&good[..]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.url().path().ends_with("/thu-tuc/2.999999"));
    let saved_page = r.url().to_string();
    assert!(r.text().await.unwrap().contains("Đã lưu thủ tục 2.999999"), "the save is confirmed");
    let (_, seen_by_anyone) = page(&c, &saved_page).await;
    assert!(!seen_by_anyone.contains("Đã lưu thủ tục"), "only its editors are told of a save");
    assert_eq!(first_codes(&s, "duong thon").await[0], "2.999999");
    let (_, p) = get_json(&c, &format!("{}/api/v1/procedures/2.999999", s.url)).await;
    assert_eq!(p["fee"]["amount_vnd"], 15000);
    assert_eq!(p["applicants"], "people");
    assert_eq!(p["components"][1]["copy_kind"], "copy");
    assert_eq!(p["components"][1]["mandatory"], false);
    assert_eq!(p["steps"][0]["budget_hours"], 24, "three working days");
    assert_eq!(p["steps"][1]["budget_hours"], 8);
    assert_eq!(p["form_fields"][1]["options"][1], "Thôn Bản Mán");
    let r = admin.post(format!("{}/quan-tri/thu-tuc", s.url)).form(&good[..]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "a second create of the same code is refused");

    // Staff accounts: an agency admin adds staff to their own agency only, and no province-wide role.
    let agency_admin = login(&s, "quantri.coquan@tinhso.local", "TuyenQuang-demo-2025").await;
    let (st, staff_page) = page(&agency_admin, &format!("{}/quan-tri/tai-khoan", s.url)).await;
    assert_eq!(st, StatusCode::OK);
    assert!(staff_page.contains("Lý Văn Hùng"), "lists the agency's staff");
    let t = csrf(&staff_page);
    let add = |login: &'static str, role: &'static str, agency: &'static str| {
        let t = t.clone();
        let c = agency_admin.clone();
        let url = format!("{}/quan-tri/tai-khoan", s.url);
        async move {
            c.post(url)
                .form(&[
                    ("csrf", t.as_str()),
                    ("full_name", "Hà Văn Thành"),
                    ("login", login),
                    ("role", role),
                    ("agency", agency),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let r = add("0977000111", "specialist", "000.00.10.H08").await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "another agency's staff");
    let r = add("0977000111", "leader", "000.00.03.H08").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "a province-wide role");
    let r = add("0977000111", "specialist", "000.00.03.H08").await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    let at = html.find("id=\"new-password\">").unwrap() + 18;
    let password = html[at..].split('<').next().unwrap().to_owned();
    let specialist = login(&s, "0977000111", &password).await;
    let (_, me) = page(&specialist, &format!("{}/tai-khoan", s.url)).await;
    assert!(me.contains("Chuyên viên xử lý") && me.contains("Sở Tư pháp"));
    // The admin knows that password: until the officer sets their own, every page and the API
    // bring them back to it.
    assert!(me.contains("Mật khẩu hiện tại do quản trị viên cấp"), "{me:.3000}");
    let r = specialist.get(format!("{}/ho-so", s.url)).send().await.unwrap();
    assert_eq!(r.url().path(), "/tai-khoan", "pages wait for the change");
    let r = specialist.get(format!("{}/api/v1/dossiers", s.url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["code"], "password_change_required");
    let own = "bậc thang Mù Cang Chải mùa lúa chín";
    let form = [("csrf", csrf(&me)), ("current", password.clone()), ("new", own.to_owned())];
    let r = specialist.post(format!("{}/tai-khoan/mat-khau", s.url)).form(&form).send().await.unwrap();
    let done = r.text().await.unwrap();
    assert!(done.contains("Đã đổi mật khẩu") && !done.contains("do quản trị viên cấp"), "{done:.3000}");
    let (st, _) = page(&specialist, &format!("{}/quan-tri/tai-khoan", s.url)).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "a specialist manages no staff");

    // Oversized bodies are refused.
    let huge = "x".repeat(300 * 1024);
    let r = admin
        .post(format!("{}/quan-tri/thu-tuc", s.url))
        .form(&[("csrf", token.as_str()), ("name", huge.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // The calendar: a province admin adds a day off; due dates follow.
    let (_, cal) = page(&admin, &format!("{}/quan-tri/lich/2027", s.url)).await;
    assert!(cal.contains("Tết Nguyên đán") && cal.contains("cần đối chiếu"));
    let days_off = format!("{}\n02/03/2027 | Ngày nghỉ của tỉnh", extract_textarea(&cal, "days_off"));
    let opened = tinhso_testkit::form::values(&cal, "/quan-tri/lich/2027").unwrap();
    let (_, revision) = opened.iter().find(|(n, _)| n == "revision").unwrap();
    let save = [("csrf", token.as_str()), ("days_off", days_off.as_str()), ("swap_days", ""), ("revision", revision)];
    let r = admin.post(format!("{}/quan-tri/lich/2027", s.url)).form(&save).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("Đã lưu lịch năm 2027"), "the save is confirmed");
    // The same page saved again (a second tab, a double submit after a slow answer) would
    // undo whatever was saved in between: it is told instead, with what it typed kept.
    let other = format!("{days_off}\n05/03/2027 | Ngày nghỉ khác");
    let again = [("csrf", token.as_str()), ("days_off", other.as_str()), ("swap_days", ""), ("revision", revision)];
    let r = admin.post(format!("{}/quan-tri/lich/2027", s.url)).form(&again).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let told = tinhso_testkit::form::unescape(&r.text().await.unwrap());
    assert!(
        told.contains("lịch năm 2027 đã được lưu với nội dung khác") && told.contains("05/03/2027 | Ngày nghỉ khác")
    );
    assert!(told.contains("href=\"#revision\"") && told.contains("id=\"revision\""));
    // Saved again from that page, knowingly; the year's history says what each save changed.
    let kept = tinhso_testkit::form::values(&told, "/quan-tri/lich/2027").unwrap();
    let r = admin.post(format!("{}/quan-tri/lich/2027", s.url)).form(&kept).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (st, history) = page(&admin, &format!("{}/quan-tri/lich/2027/lich-su", s.url)).await;
    assert_eq!(st, StatusCode::OK);
    let saves: Vec<&str> = history.split("<section class=\"version\">").skip(1).collect();
    assert_eq!(saves.len(), 2, "{history}");
    assert!(saves[0].contains("<li>Thêm ngày nghỉ: 05/03/2027 (Ngày nghỉ khác)</li>"), "{}", saves[0]);
    assert!(saves[1].contains("Phiên bản cũ nhất"), "the first save of a year the rules computed");
    let (code, out, _) = tinhso_testkit::server::run_cli(
        crate::bin(),
        &[vec!["calendar".into(), "due".into(), "2027-03-01".into(), "1".into()], s.data_args()].concat(),
    )
    .await
    .unwrap();
    assert_eq!((code, out.trim()), (0, "2027-03-03"), "the edited day off is skipped");
    let r = admin
        .post(format!("{}/quan-tri/lich/2027", s.url))
        .form(&[("csrf", token.as_str()), ("days_off", "31/02/2027 | sai"), ("swap_days", "01/03/2027 | thứ Hai")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // Emptied by mistake, the year would lose its holidays and every deadline in it would move:
    // the Labour Code's holidays that fall on weekdays are named, and nothing is saved.
    let r = admin
        .post(format!("{}/quan-tri/lich/2027", s.url))
        .form(&[("csrf", token.as_str()), ("days_off", ""), ("swap_days", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let refused = r.text().await.unwrap();
    // 2027: 1 January a Friday, lunar new year's day Saturday 6 February, the Hùng Kings' day
    // Friday 16 April, 30 April a Friday, 1 May a Saturday, 2 September a Thursday.
    for day in
        ["01/01/2027 (Tết Dương lịch)", "16/04/2027 (Giỗ Tổ Hùng Vương)", "30/04/2027", "02/09/2027 (Quốc khánh)"]
    {
        assert!(refused.contains(day), "{day}: {refused:.3000}");
    }
    assert!(!refused.contains("06/02/2027") && !refused.contains("01/05/2027"), "weekend holidays need no entry");
    assert!(refused.contains("id=\"days_off-error\"") && refused.contains("href=\"#days_off\""));
    let (code, out, _) = tinhso_testkit::server::run_cli(
        crate::bin(),
        &[vec!["calendar".into(), "due".into(), "2027-03-01".into(), "1".into()], s.data_args()].concat(),
    )
    .await
    .unwrap();
    assert_eq!((code, out.trim()), (0, "2027-03-03"), "the refused edit changed nothing");

    // Each saved edit is in the administrators' log with who made it; the refused ones are not.
    let (st, log) = page(&admin, &format!("{}/quan-tri/nhat-ky", s.url)).await;
    assert_eq!(st, StatusCode::OK);
    let rows: Vec<&str> = log.split("<tr><td>").skip(1).map(|r| r.split("</tr>").next().unwrap()).collect();
    for row in &rows[..2] {
        assert!(row.contains("Sửa lịch làm việc") && row.contains("Năm 2027"), "{rows:?}");
        assert!(row.contains("href=\"/quan-tri/lich/2027/lich-su\""), "linked to the year's history: {rows:?}");
    }
    assert!(rows[2].contains("Tạo tài khoản cán bộ") && rows[2].contains("Triệu Văn Minh"), "{rows:?}");
    assert!(rows[3].contains("Thêm hoặc sửa thủ tục") && rows[3].contains("2.999999"), "{rows:?}");
    assert!(rows[3].contains("Nông Thị Thu") && rows[3].contains("đường thôn"), "{rows:?}");
    // Older still, the province's set-up by the platform itself: its calendar years, not this one.
    let by_people = rows.iter().filter(|r| !r.contains("Dòng lệnh trên máy chủ"));
    assert_eq!(by_people.filter(|r| r.contains("Sửa lịch làm việc")).count(), 2, "{rows:?}");

    s.stop().await.unwrap();
}

fn extract_textarea(html: &str, id: &str) -> String {
    let start = html.find(&format!("id=\"{id}\"")).unwrap();
    let open = html[start..].find('>').unwrap() + start + 1;
    let close = html[open..].find("</textarea>").unwrap() + open;
    html[open..close].replace("&#124;", "|").replace("&#47;", "/")
}

/// Two `tinhso serve` processes on one PostgreSQL database: both start on the empty database at
/// once (one seeds, the other waits for it), and a catalogue edit through one shows on the other.
#[tokio::test]
async fn two_servers_share_one_postgres() {
    let db = tinhso_testkit::server::fresh_pg_database().await.unwrap();
    let start = |db: String| async move {
        let data = tinhso_testkit::server::fresh_data_dir().unwrap();
        TestServer::start_on(Backend::Postgres, crate::bin(), data, Some(db), &[]).await.unwrap()
    };
    let (a, b) = tokio::join!(start(db.clone()), start(db));
    for s in [&a, &b] {
        let (_, units) = get_json(&s.client(), &format!("{}/api/v1/units", s.url)).await;
        assert_eq!(units["total"], 124);
    }
    // The province admin opens the birth registration's editor on each server (two tabs).
    let edit = "/quan-tri/thu-tuc/1.001193";
    let on_a = login(&a, "quantri@tinhso.local", "TuyenQuang-demo-2025").await;
    let on_b = login(&b, "quantri@tinhso.local", "TuyenQuang-demo-2025").await;
    let (_, page_a) = page(&on_a, &format!("{}{edit}", a.url)).await;
    let (_, page_b) = page(&on_b, &format!("{}{edit}", b.url)).await;
    let mut form_b = tinhso_testkit::form::values(&page_b, edit).unwrap();
    let mut form_a = tinhso_testkit::form::values(&page_a, edit).unwrap();
    tinhso_testkit::form::set(&mut form_a, "name", "Thủ tục đăng ký khai sinh (đã cập nhật)");
    let r = on_a.post(format!("{}{edit}", a.url)).form(&form_a).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // Saved on B from the page opened before A's save: refused, A's name kept, B's typing too.
    tinhso_testkit::form::set(&mut form_b, "fee_note", "Miễn lệ phí đăng ký khai sinh đúng hạn");
    let r = on_b.post(format!("{}{edit}", b.url)).form(&form_b).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let told = tinhso_testkit::form::unescape(&r.text().await.unwrap());
    assert!(told.contains("<a href=\"#revision\">Trong lúc bạn sửa, thủ tục này đã được lưu với nội dung khác"));
    assert!(told.contains("Miễn lệ phí đăng ký khai sinh đúng hạn"), "what B typed is on the page");
    let (_, stored) = get_json(&a.client(), &format!("{}/api/v1/procedures/1.001193", a.url)).await;
    assert_eq!(stored["name"], "Thủ tục đăng ký khai sinh (đã cập nhật)");
    assert_ne!(stored["fee"]["note"], "Miễn lệ phí đăng ký khai sinh đúng hạn");
    assert!(stored["fee"]["note"].is_string(), "the fee's note is where this test looks: {stored}");
    let c = b.client();
    let mut seen = String::new();
    for _ in 0..50 {
        let (_, p) = get_json(&c, &format!("{}/api/v1/procedures/1.001193", b.url)).await;
        seen = p["name"].as_str().unwrap_or_default().to_owned();
        if seen.ends_with("(đã cập nhật)") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(seen, "Thủ tục đăng ký khai sinh (đã cập nhật)", "server B follows A's edit");
    a.stop().await.unwrap();
    b.stop().await.unwrap();
}
