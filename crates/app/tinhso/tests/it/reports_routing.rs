//! Citizens' feedback and field reports, continued: the province's routing table as its admin
//! edits it and as reports follow it, the jobs the server runs every 15 minutes, and map tiles.

use crate::reports::{csrf, json, login, page, send, sent_id};
use reqwest::StatusCode;
use tinhso_testkit::server::run_cli;
use tinhso_testkit::TestServer;

on_both_backends!(routing_on_sqlite, routing_on_postgres, routing_story);
on_both_backends!(jobs_on_sqlite, jobs_on_postgres, jobs_story);

/// The province admin adds a category and routes it, for one commune, to a department; a
/// report there goes to that department, elsewhere to the commune's committee; nobody else may
/// edit the table; bad input is refused whole.
async fn routing_story(s: TestServer) {
    let admin = login(&s, "quantri@tinhso.local").await;
    let (_, units) = json(&admin, &format!("{}/api/v1/units?limit=2", s.url)).await;
    let (here, there) = (
        units["items"][0]["code"].as_i64().unwrap().to_string(),
        units["items"][1]["code"].as_i64().unwrap().to_string(),
    );
    let (status, html) = page(&admin, &format!("{}/quan-tri/phan-anh", s.url)).await;
    assert_eq!(status, StatusCode::OK);
    let token = csrf(&html);
    // A department to route to, from the page's own list.
    let dept = html
        .split("<option value=\"")
        .filter_map(|o| o.split_once("\">"))
        .find(|(_, label)| label.starts_with("Sở Tài nguyên") || label.starts_with("Sở Nông nghiệp"))
        .map(|(v, l)| (v.to_owned(), l.split('<').next().unwrap().to_owned()))
        .expect("a department");
    let post = |path: &'static str, form: Vec<(&'static str, String)>| {
        let c = admin.clone();
        let url = format!("{}{path}", s.url);
        async move {
            let r = c.post(url).form(&form).send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    let (status, html) = post(
        "/quan-tri/phan-anh/linh-vuc",
        vec![("csrf", token.clone()), ("code", "Ô nhiễm".into()), ("name", "".into()), ("name_en", "Pollution".into())],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("Mã gồm chữ thường không dấu") && html.contains("Nhập tên"), "every problem at once");
    let (status, _) = post(
        "/quan-tri/phan-anh/linh-vuc",
        vec![
            ("csrf", token.clone()),
            ("code", "o-nhiem".into()),
            ("name", "Ô nhiễm môi trường".into()),
            ("name_en", "Pollution".into()),
            ("active", "1".into()),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, html) = post(
        "/quan-tri/phan-anh/phan-cong",
        vec![
            ("csrf", token.clone()),
            ("category", "o-nhiem".into()),
            ("commune", here.clone()),
            ("agency", dept.0.clone()),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Đã lưu"), "confirmed");
    let rule = html
        .split("<li>Ô nhiễm môi trường, ")
        .nth(1)
        .expect("the rule is listed")
        .split("<form")
        .next()
        .unwrap()
        .to_owned();
    assert!(rule.ends_with(&format!(": {}\n    ", dept.1)) || rule.contains(&dept.1), "{rule}");
    // Reports go where the table says.
    let anon = s.client();
    let mut agencies = Vec::new();
    for commune in [&here, &there] {
        let r = send(
            &s,
            &anon,
            &[("category", "o-nhiem"), ("description", "Khói đốt rác bốc mùi cả đêm"), ("commune", commune)],
        )
        .await;
        let id = sent_id(&r);
        let (_, v) = json(&anon, &format!("{}/open311/v2/requests/PA-{id}.json", s.url)).await;
        agencies.push(v[0]["agency_responsible"].as_str().unwrap().to_owned());
    }
    assert_eq!(agencies[0], dept.1);
    assert!(agencies[1].starts_with("Ủy ban nhân dân"), "{agencies:?}");
    let (_, services) = json(&anon, &format!("{}/open311/v2/services.json", s.url)).await;
    assert!(services.as_array().unwrap().iter().any(|v| v["service_code"] == "o-nhiem"));
    // Boundaries: a generated GeoJSON with a square per commune; a point then names its commune.
    let dir = tinhso_testkit::server::fresh_data_dir().unwrap();
    let square = |code: &str, x: f64| {
        format!(
            r#"{{"type":"Feature","properties":{{"code":"{code}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x},20.0],[{},20.0],[{},20.1],[{x},20.1],[{x},20.0]]]}}}}"#,
            x + 0.1,
            x + 0.1
        )
    };
    let bad = dir.join("bad.geojson");
    std::fs::write(
        &bad,
        format!(r#"{{"type":"FeatureCollection","features":[{},{}]}}"#, square(&here, 104.0), square("99999", 104.2)),
    )
    .unwrap();
    let import = |file: std::path::PathBuf| {
        let args =
            [vec!["units".into(), "boundaries".into(), "import".into(), file.display().to_string()], s.data_args()]
                .concat();
        async move { run_cli(crate::bin(), &args).await.unwrap() }
    };
    let (code, _, err) = import(bad).await;
    assert_eq!(code, 1);
    assert!(err.contains("mã 99999 không phải xã, phường của tỉnh"), "{err}");
    let good = dir.join("ranh-gioi.geojson");
    std::fs::write(
        &good,
        format!(r#"{{"type":"FeatureCollection","features":[{},{}]}}"#, square(&here, 104.0), square(&there, 104.2)),
    )
    .unwrap();
    let (code, out, err) = import(good).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Đã nạp ranh giới 2 xã, phường"), "{out}");
    let r = send(
        &s,
        &anon,
        &[("category", "o-nhiem"), ("description", "Nước thải đổ ra suối"), ("lat", "20.05"), ("lon", "104.05")],
    )
    .await;
    let id = sent_id(&r);
    let (_, v) = json(&anon, &format!("{}/open311/v2/requests/PA-{id}.json", s.url)).await;
    assert_eq!(
        (v[0]["address_id"].as_str(), v[0]["agency_responsible"].as_str()),
        (Some(here.as_str()), Some(dept.1.as_str()))
    );
    let r = send(
        &s,
        &anon,
        &[("category", "o-nhiem"), ("description", "Nước thải đổ ra suối"), ("lat", "20.05"), ("lon", "104.25")],
    )
    .await;
    let id = sent_id(&r);
    let (_, v) = json(&anon, &format!("{}/open311/v2/requests/PA-{id}.json", s.url)).await;
    assert_eq!(v[0]["address_id"].as_str(), Some(there.as_str()));
    let r = send(
        &s,
        &anon,
        &[("category", "o-nhiem"), ("description", "Nước thải đổ ra suối"), ("lat", "10.0"), ("lon", "106.0")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("nằm ngoài địa bàn tỉnh"));
    // Removing the rule from a page opened before another rule came in ahead of it: the rule
    // the page showed goes, not the one now in its place.
    let (_, opened) = page(&admin, &format!("{}/quan-tri/phan-anh", s.url)).await;
    let remove = opened.split("name=\"remove\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    assert_eq!(remove, format!("o-nhiem@{here}"));
    let (status, _) = post(
        "/quan-tri/phan-anh/phan-cong",
        vec![
            ("csrf", token.clone()),
            ("category", "an-toan-thuc-pham".into()),
            ("commune", "".into()),
            ("agency", dept.0.clone()),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, html) = post("/quan-tri/phan-anh/phan-cong", vec![("csrf", token.clone()), ("remove", remove)]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<li>An toàn thực phẩm, Mọi xã, phường: ") && !html.contains("<li>Ô nhiễm môi trường, "));
    let (status, _) =
        post("/quan-tri/phan-anh/phan-cong", vec![("csrf", token.clone()), ("remove", "an-toan-thuc-pham@".into())])
            .await;
    assert_eq!(status, StatusCode::OK);
    let (_, html) = page(&admin, &format!("{}/quan-tri/phan-anh", s.url)).await;
    assert!(html.contains("Chưa có quy tắc nào"));
    // Six rules added at once (two admins, double submits): each lands, none undoes another.
    let (_, six) = json(&admin, &format!("{}/api/v1/units?limit=6", s.url)).await;
    let communes: Vec<String> =
        six["items"].as_array().unwrap().iter().map(|u| u["code"].as_i64().unwrap().to_string()).collect();
    let adds = communes.iter().map(|c| {
        post(
            "/quan-tri/phan-anh/phan-cong",
            vec![
                ("csrf", token.clone()),
                ("category", "o-nhiem".into()),
                ("commune", c.clone()),
                ("agency", dept.0.clone()),
            ],
        )
    });
    for (status, _) in futures_util::future::join_all(adds).await {
        assert_eq!(status, StatusCode::OK);
    }
    let (_, html) = page(&admin, &format!("{}/quan-tri/phan-anh", s.url)).await;
    for c in &communes {
        assert!(html.contains(&format!("name=\"remove\" value=\"o-nhiem@{c}\"")), "the rule for {c} stands");
    }
    // Two forms open on one category: the later save is told of the earlier, which stays.
    let edit = format!("{}/quan-tri/phan-anh?sua=o-nhiem", s.url);
    let form_of = |html: &str| tinhso_testkit::form::values(html, "/quan-tri/phan-anh/linh-vuc").unwrap();
    let (mut first, mut second) = (form_of(&page(&admin, &edit).await.1), form_of(&page(&admin, &edit).await.1));
    assert!(page(&admin, &edit).await.1.contains("id=\"code\" name=\"code\" value=\"o-nhiem\" readonly"));
    tinhso_testkit::form::set(&mut first, "name", "Ô nhiễm môi trường, tiếng ồn");
    let r = admin.post(format!("{}/quan-tri/phan-anh/linh-vuc", s.url)).form(&first).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    tinhso_testkit::form::set(&mut second, "name_en", "Pollution and noise");
    let r = admin.post(format!("{}/quan-tri/phan-anh/linh-vuc", s.url)).form(&second).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let told = tinhso_testkit::form::unescape(&r.text().await.unwrap());
    assert!(told.contains("<a href=\"#revision\">Trong lúc bạn sửa, lĩnh vực này đã được lưu với nội dung khác"));
    assert!(told.contains("value=\"Pollution and noise\""), "what was typed is kept");
    assert!(told.contains("<td>Ô nhiễm môi trường, tiếng ồn</td>"), "the earlier save stands");
    // A new category under a code already used is refused, not merged into it.
    let taken =
        [("csrf", token.as_str()), ("code", "o-nhiem"), ("name", "Ô nhiễm"), ("name_en", "Pollution"), ("active", "1")];
    let r = admin.post(format!("{}/quan-tri/phan-anh/linh-vuc", s.url)).form(&taken).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let told = tinhso_testkit::form::unescape(&r.text().await.unwrap());
    assert!(told.contains("<a href=\"#code\">Mã o-nhiem đã có"), "{told:.2000}");
    assert!(told.contains("<td>Ô nhiễm môi trường, tiếng ồn</td>"));
    // Other roles may not touch the table.
    let leader = login(&s, "lanhdao@tinhso.local").await;
    let (status, _) = page(&leader, &format!("{}/quan-tri/phan-anh", s.url)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Each saved change is in the administrators' log, with the table as it then stood.
    let (_, log) = page(&admin, &format!("{}/quan-tri/nhat-ky", s.url)).await;
    let rows: Vec<&str> = log.split("<tr><td>").skip(1).map(|r| r.split("</tr>").next().unwrap()).collect();
    assert!(rows[0].contains("Thêm hoặc sửa lĩnh vực phản ánh"), "the category's save, newest: {rows:?}");
    assert!(rows[1].contains("Sửa phân công xử lý phản ánh"), "{rows:?}");
    assert!(rows.iter().any(|r| r.contains("Sửa phân công xử lý phản ánh") && r.contains(" @ ")), "{rows:?}");
    assert!(rows.iter().any(|r| r.contains("Thêm hoặc sửa lĩnh vực phản ánh")), "{rows:?}");

    // A flood of anonymous reports from one address soon waits (429 with Retry-After); nothing
    // is stored for the refused ones; a signed-in citizen is not slowed by it.
    let before = json(&anon, &format!("{}/open311/v2/requests.json", s.url)).await.1.as_array().unwrap().len();
    let mut refused = None;
    for n in 0..12 {
        let r =
            send(&s, &anon, &[("category", "rac-thai"), ("description", "Rác đổ trộm ven đường"), ("commune", &here)])
                .await;
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(r.headers().contains_key("retry-after"));
            refused = Some(n);
            break;
        }
    }
    let refused = refused.expect("the flood is slowed");
    let after = json(&anon, &format!("{}/open311/v2/requests.json", s.url)).await.1.as_array().unwrap().len();
    assert_eq!(after, before + refused, "only the accepted ones are stored");
    let citizen = login(&s, "0912345678").await;
    let r =
        send(&s, &citizen, &[("category", "rac-thai"), ("description", "Rác đổ trộm ven đường"), ("commune", &here)])
            .await;
    assert_eq!(r.status(), StatusCode::OK);
}

/// The jobs the server runs every 15 minutes, run for a chosen day: the commune's officer is
/// reminded two working days before a report is due (once), and an overdue report goes up to
/// the province's People's Committee (once), which the public history says.
async fn jobs_story(s: TestServer) {
    // A commune with an officer among the demo accounts (cv.<commune code>@…).
    let commune = s.banner.split("cv.").nth(1).and_then(|t| t.split('@').next()).expect("a commune officer").to_owned();
    let anon = s.client();
    let r = send(
        &s,
        &anon,
        &[("category", "chieu-sang"), ("description", "Đèn đường hỏng cả dãy phố"), ("commune", &commune)],
    )
    .await;
    let id = sent_id(&r);
    let (_, v) = json(&anon, &format!("{}/open311/v2/requests/PA-{id}.json", s.url)).await;
    let due =
        chrono::NaiveDate::parse_from_str(&v[0]["expected_datetime"].as_str().unwrap()[..10], "%Y-%m-%d").unwrap();
    let commune_agency = v[0]["agency_responsible"].as_str().unwrap().to_owned();
    let jobs = |day: chrono::NaiveDate| {
        let args = [
            vec!["reports".into(), "jobs".into(), "--today".into(), day.format("%d/%m/%Y").to_string()],
            s.data_args(),
        ]
        .concat();
        async move {
            let (code, out, err) = run_cli(crate::bin(), &args).await.unwrap();
            assert_eq!(code, 0, "{err}");
            out
        }
    };
    assert!(jobs(due).await.contains("Nhắc 1 phản ánh sắp đến hạn, chuyển 0"));
    assert!(jobs(due).await.contains("Nhắc 0 phản ánh sắp đến hạn, chuyển 0"), "once");
    let officer = login(&s, &format!("cv.{commune}@tinhso.local")).await;
    let (_, inbox) = json(&officer, &format!("{}/api/v1/notifications", s.url)).await;
    assert!(
        inbox["items"].as_array().unwrap().iter().any(|m| m["subject"] == format!("Phản ánh PA-{id} sắp đến hạn")),
        "{inbox}"
    );
    let after = due.succ_opt().unwrap();
    assert!(jobs(after).await.contains("chuyển 1 phản ánh quá hạn"));
    assert!(jobs(after).await.contains("chuyển 0 phản ánh quá hạn"), "once");
    let (_, v) = json(&anon, &format!("{}/open311/v2/requests/PA-{id}.json", s.url)).await;
    let province = v[0]["agency_responsible"].as_str().unwrap();
    assert!(province.contains("tỉnh") && province != commune_agency, "{province}");
    let (_, html) = page(&anon, &format!("{}/phan-anh/{id}", s.url)).await;
    assert!(
        html.contains(&format!("Quá hạn, chuyển lên {province}")) && html.contains(&commune_agency),
        "the commune stays as a contributor"
    );
    let (status, _, err) = run_cli(
        crate::bin(),
        &[vec!["reports".into(), "jobs".into(), "--today".into(), "31/02/2026".into()], s.data_args()].concat(),
    )
    .await
    .unwrap();
    assert_ne!(status, 0, "{err}");
}

/// Map tiles are off by default; with `--map-tiles` a report's page shows its place on them, and
/// only then may pages load images from that server; a bad template stops the start.
#[tokio::test]
async fn map_tiles_only_when_configured() {
    let plain = crate::server(tinhso_testkit::Backend::Sqlite).await;
    let anon = plain.client();
    let r = send(
        &plain,
        &anon,
        &[("category", "cay-xanh"), ("description", "Cây đổ chắn đường"), ("lat", "21.8236"), ("lon", "105.214")],
    )
    .await;
    let csp = r.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("img-src 'self' data:;"), "{csp}");
    assert!(!r.text().await.unwrap().contains("<image"));
    let data = tinhso_testkit::server::fresh_data_dir().unwrap();
    let tiles = ["--map-tiles", "http://127.0.0.1:9/{z}/{x}/{y}.png"];
    let s = TestServer::start_on(tinhso_testkit::Backend::Sqlite, crate::bin(), data, None, &tiles).await.unwrap();
    let anon = s.client();
    let r = send(
        &s,
        &anon,
        &[("category", "cay-xanh"), ("description", "Cây đổ chắn đường"), ("lat", "21.0285"), ("lon", "105.8542")],
    )
    .await;
    let csp = r.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("img-src 'self' data: http://127.0.0.1:9;"), "{csp}");
    let html = r.text().await.unwrap();
    assert!(
        html.contains(r#"<image href="http://127.0.0.1:9/16/52038/28850.png" x="256" y="256""#),
        "the point's tile in the middle"
    );
    let bad = tinhso_testkit::server::fresh_data_dir().unwrap();
    let refused = TestServer::start_on(
        tinhso_testkit::Backend::Sqlite,
        crate::bin(),
        bad,
        None,
        &["--map-tiles", "javascript:alert(1)"],
    )
    .await;
    assert!(refused.is_err(), "a bad template stops the start");
}
