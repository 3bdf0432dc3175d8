//! Field reports through Open311 GeoReport v2, part of the reports story: raw requests (XML
//! read by a real parser, errors in the spec's shape) and the PyPI client `georeport`.

use crate::reports::{json, page, python};
use reqwest::StatusCode;
use serde_json::Value;
use tinhso_testkit::server::run_cli;
use tinhso_testkit::TestServer;

/// Open311 GeoReport v2: raw requests for what `georeport` does not do, then the client.
pub(crate) async fn open311(s: &TestServer, fixed: i64, commune: &str) {
    let c = s.client();
    let base = format!("{}/open311/v2", s.url);
    // Posting needs a key; errors come in the spec's shape, in the format asked.
    let r = c.post(format!("{base}/requests.json")).form(&[("service_code", "rac-thai")]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v[0]["code"], 403);
    assert!(v[0]["description"].as_str().unwrap().contains("api_key"));
    let r = c.post(format!("{base}/requests.xml")).form(&[("api_key", "wrong")]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let xml = r.text().await.unwrap();
    let out = python(&format!(
        "import xml.etree.ElementTree as E\nt=E.fromstring({xml:?}.encode())\nprint(t.tag, t.find('error/code').text)"
    ));
    assert_eq!(out.trim(), "errors 403");
    let (code, key, err) = run_cli(
        crate::bin(),
        &[vec!["open311".into(), "key-create".into(), "Ứng dụng iHanoi".into()], s.data_args()].concat(),
    )
    .await
    .unwrap();
    assert_eq!(code, 0, "{err}");
    let key = key.trim().to_owned();
    // A bad request names what is wrong (a receiver without a fix says 0, 0: no province's place,
    // refused rather than queued for triage); a good one answers its id and token.
    let light = [("service_code", "chieu-sang"), ("description", "Đèn đường tắt cả tuần nay")];
    for (fields, says) in [
        (vec![("service_code", "khong-co"), ("lat", "21.82"), ("long", "105.21")], "category"),
        ([&light[..], &[("lat", "0"), ("long", "0")]].concat(), "ngoài lãnh thổ Việt Nam"),
    ] {
        let form = [&[("api_key", key.as_str())][..], &fields].concat();
        let r = c.post(format!("{base}/requests.json")).form(&form).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert!(r.text().await.unwrap().contains(says));
    }
    let r = c
        .post(format!("{base}/requests.xml"))
        .form(&[
            ("api_key", key.as_str()),
            ("service_code", "chieu-sang"),
            ("lat", "21.9"),
            ("long", "105.3"),
            ("address_id", commune),
            ("description", "Đèn đường tắt cả tuần nay"),
            ("email", "nguoidan@example.vn"),
            ("first_name", "Trần"),
            ("last_name", "Văn Cường"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let xml = r.text().await.unwrap();
    let out = python(&format!(
        "import xml.etree.ElementTree as E\nt=E.fromstring({xml:?}.encode())\nr=t.find('request')\nprint(t.tag, r.find('service_request_id').text, r.find('token').text)"
    ));
    let parts: Vec<&str> = out.split_whitespace().collect();
    assert_eq!(parts[0], "service_requests");
    let (id, token) = (parts[1].to_owned(), parts[2].to_owned());
    let (status, v) = json(&c, &format!("{base}/tokens/{token}.json")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v[0]["service_request_id"], id.as_str());
    let (status, v) = json(&c, &format!("{base}/tokens/nope.json")).await;
    assert_eq!((status, v[0]["code"].as_i64()), (StatusCode::NOT_FOUND, Some(404)));
    let many: Vec<String> = (1..=1001).map(|i| i.to_string()).collect();
    let (status, v) = json(&c, &format!("{base}/requests.json?service_request_id={}", many.join(","))).await;
    assert_eq!((status, v["code"].as_str()), (StatusCode::BAD_REQUEST, Some("uri_too_long")), "machine-readable: {v}");
    let (status, v) = json(&c, &format!("{base}/requests.json?start_date=yesterday")).await;
    assert_eq!((status, v[0]["code"].as_i64()), (StatusCode::BAD_REQUEST, Some(400)));
    let (status, _) =
        json(&c, &format!("{base}/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "more than 90 days");
    let (status, v) = json(&c, &format!("{base}/requests/PA-{fixed}.json?extensions=true")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v[0]["extended_attributes"]["detailed_status"], "FIXED");
    // No one's name, phone or e-mail ever leaves through Open311.
    let (_, all) = page(&c, &format!("{base}/requests.json")).await;
    for private in ["0987654321", "Lê Thị Bình", "nguoidan@example.vn", "Cường"] {
        assert!(!all.contains(private), "{private} leaked");
    }

    // The PyPI client, in JSON and in XML.
    let script = format!(
        r#"
import georeport
for fmt in ("json", "xml"):
    g = georeport.GeoReport("{base}", output_format=fmt)
    services = g.get_service_list()
    codes = [s["service_code"] for s in services]
    assert "duong-sa" in codes and "thu-tuc-hanh-chinh" in codes, codes
    d = g.get_service_definition("duong-sa")
    assert d["service_code"] == "duong-sa", d
    reqs = g.get_service_requests()
    reqs = reqs if isinstance(reqs, list) else [reqs]
    ids = [r["service_request_id"] for r in reqs]
    assert "{id}" in ids and "PA-{fixed}" in ids, ids
    closed = g.get_service_requests(status="closed", service_code="duong-sa")
    closed = closed if isinstance(closed, list) else [closed]
    by_id = {{r["service_request_id"]: r for r in closed}}
    assert all(r["status"] == "closed" and r["service_code"] == "duong-sa" for r in closed), closed
    assert "Đã vá" in by_id["PA-{fixed}"]["status_notes"], closed
    assert [n for n in by_id if n != "PA-{fixed}"] == [n for n in by_id if "Trùng với phản ánh PA-{fixed}" == by_id[n]["status_notes"]], closed
    one = g.get_service_request("{id}")
    one = one[0] if isinstance(one, list) else one
    assert one["status"] == "open" and one["service_code"] == "chieu-sang", one
    assert one["description"] == "Đèn đường tắt cả tuần nay", one
    assert float(one["lat"]) == 21.9 and float(one["long"]) == 105.3, one
    print(fmt, len(reqs))
"#
    );
    let out = python(&script);
    assert!(out.contains("json ") && out.contains("xml "), "{out}");
}
