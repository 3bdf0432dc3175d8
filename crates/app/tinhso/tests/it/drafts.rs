//! Saving an application to finish later, on SQLite and PostgreSQL, as a citizen on a slow line
//! does: half the form typed and one scan uploaded, "Lưu nháp"; nothing is sent; the draft waits
//! under their dossiers and the form goes on from it, the scan still chosen; a refused file is
//! said while the rest is kept; no one else sees it; sending the application ends the draft;
//! a draft may be deleted; a person keeps at most twenty; staff do not keep drafts.

use crate::journey::{csrf, multipart, page_login};
use reqwest::StatusCode;
use tinhso_testkit::TestServer;

const CODE: &str = crate::dossier::PROVINCIAL;

async fn get(c: &reqwest::Client, url: String) -> (StatusCode, String) {
    let r = c.get(url).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

/// Posts the apply form as a browser does (multipart, the token in the address); the answer
/// after redirects.
async fn send(
    c: &reqwest::Client,
    url: &str,
    token: &str,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
) -> (StatusCode, String, String) {
    let mut all = vec![("csrf", token)];
    all.extend_from_slice(fields);
    let (ct, body) = multipart(&all, files);
    let r = c.post(format!("{url}?csrf={token}")).header("content-type", ct).body(body).send().await.unwrap();
    let (status, at) = (r.status(), r.url().to_string());
    (status, at, r.text().await.unwrap())
}

on_both_backends!(a_saved_application_on_sqlite, a_saved_application_on_postgres, a_saved_application);

async fn a_saved_application(s: TestServer) {
    let form = format!("{}/thu-tuc/{CODE}/nop", s.url);
    let citizen = page_login(&s, "0912345678").await;
    let (_, html) = get(&citizen, form.clone()).await;
    assert!(html.contains("Lưu nháp để nộp sau") && !html.contains("đang tiếp tục bản nháp"));
    let token = csrf(&html);

    // Half the form and one scan, saved: nothing is sent, the form says so and goes on from it.
    let scan = crate::blobs::pdf("căn cước của Nguyễn Văn An");
    let scan_sha: String = {
        use sha2::Digest;
        sha2::Sha256::digest(&scan).iter().map(|b| format!("{b:02x}")).collect()
    };
    let half =
        [("lenh", "luu-nhap"), ("form.ho_ten", "Nguyễn Văn An"), ("form.noi_dung", "Xin 2 bản sao giấy khai sinh")];
    let (status, at, html) = send(&citizen, &form, &token, &half, &[("file.2", "can-cuoc.pdf", &scan)]).await;
    assert_eq!(status, StatusCode::OK, "{html:.2000}");
    assert!(at.ends_with("?nhap=da-luu"), "{at}");
    assert!(html.contains("Đã lưu nháp. Hồ sơ chưa được gửi"), "{html}");
    assert!(html.contains("Ông/bà đang tiếp tục bản nháp lưu lúc"));
    assert!(html.contains("Xin 2 bản sao giấy khai sinh"), "what was typed is back");
    assert!(html.contains(&format!("name=\"reuse.2\" value=\"{scan_sha}\"")), "the scan is still chosen");
    assert!(html.contains("can-cuoc.pdf"));
    let (_, mine) = get(&citizen, format!("{}/ho-so", s.url)).await;
    assert!(mine.contains("Chưa có hồ sơ nào"), "nothing sent: {mine}");
    assert!(mine.contains("Hồ sơ đang lưu nháp, chưa gửi") && mine.contains(&format!("href=\"/thu-tuc/{CODE}/nop\"")));

    // A file refused while saving is said; the draft keeps the rest, what was typed included.
    let more = [
        ("lenh", "luu-nhap"),
        ("form.ho_ten", "Nguyễn Văn An"),
        ("reuse.2", scan_sha.as_str()),
        ("form.dia_chi", "Thôn Nà Lừa"),
    ];
    let (status, _, html) = send(&citizen, &form, &token, &more, &[("file.3", "cu-tru.txt", b"not a scan")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        html.contains("Đã lưu nháp, trừ các tệp chưa tải lên được") && html.contains("Chỉ nhận tệp PDF, JPEG hoặc PNG")
    );
    assert!(html.contains("Thôn Nà Lừa"));
    let (_, html) = get(&citizen, form.clone()).await;
    assert!(
        html.contains("Thôn Nà Lừa") && html.contains(&format!("value=\"{scan_sha}\"")),
        "saved without the refused file"
    );

    // No one else sees it.
    let other = page_login(&s, "0913000001").await;
    let (_, theirs) = get(&other, form.clone()).await;
    assert!(!theirs.contains("bản nháp lưu lúc") && !theirs.contains("Thôn Nà Lừa"));

    // Sent: the dossier is made from the draft's form, and the draft is gone.
    let (_, units) = crate::dossier::Caller::login(&s, "0912345678", crate::dossier::PASSWORD)
        .await
        .get("/api/v1/units?limit=1")
        .await;
    let commune = units["items"][0]["code"].as_u64().unwrap().to_string();
    let whole = [
        ("form.ho_ten", "Nguyễn Văn An"),
        ("form.so_dinh_danh", "008090001234"),
        ("form.so_dien_thoai", "0912345678"),
        ("form.dia_chi", "Thôn Nà Lừa"),
        ("form.dia_chi.commune", commune.as_str()),
        ("reuse.2", scan_sha.as_str()),
    ];
    let (status, at, html) = send(&citizen, &form, &token, &whole, &[]).await;
    assert_eq!(status, StatusCode::OK, "{html:.3000}");
    assert!(at.contains("?da-nop=1") && html.contains("Đã nộp hồ sơ thành công"), "{at}");
    let (_, mine) = get(&citizen, format!("{}/ho-so", s.url)).await;
    assert!(!mine.contains("Hồ sơ đang lưu nháp"), "the draft went with the sending");
    let (_, html) = get(&citizen, form.clone()).await;
    assert!(!html.contains("bản nháp lưu lúc"));

    // A draft may be deleted (with the page's token only).
    send(&citizen, &form, &token, &[("lenh", "luu-nhap"), ("form.noi_dung", "Bản nháp thứ hai")], &[]).await;
    let delete = format!("{}/thu-tuc/{CODE}/nhap/xoa", s.url);
    let r = citizen.post(&delete).form(&[("csrf", "sai")]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = citizen.post(&delete).form(&[("csrf", token.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.url().as_str().ends_with("?nhap=da-xoa"));
    let html = r.text().await.unwrap();
    assert!(html.contains("Đã xóa bản nháp") && !html.contains("Bản nháp thứ hai"));

    // At most twenty drafts: the twenty-first is refused beside the button, what was typed kept.
    let (_, list) = crate::dossier::Caller::login(&s, "0912345678", crate::dossier::PASSWORD)
        .await
        .get("/api/v1/procedures?limit=100")
        .await;
    let online: Vec<String> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["online_level"] != "in_person")
        .map(|p| p["code"].as_str().unwrap().to_owned())
        .take(21)
        .collect();
    assert_eq!(online.len(), 21);
    for (i, code) in online.iter().enumerate() {
        let url = format!("{}/thu-tuc/{code}/nop", s.url);
        let note = format!("Ghi chú {i}");
        let (status, _, html) =
            send(&citizen, &url, &token, &[("lenh", "luu-nhap"), ("form.ho_ten", &note)], &[]).await;
        if i < 20 {
            assert_eq!(status, StatusCode::OK, "{code}: {html:.2000}");
        } else {
            assert_eq!(status, StatusCode::BAD_REQUEST);
            assert!(html.contains("Ông/bà đang lưu nháp 20 hồ sơ chưa nộp") && html.contains("href=\"#luu-nhap\""));
            assert!(html.contains(&note), "what was typed is kept on the page");
        }
    }

    // Staff work at the desk: they keep no drafts.
    let desk = page_login(&s, "tiepnhan@tinhso.local").await;
    let (_, html) = get(&desk, format!("{}/ho-so", s.url)).await;
    let desk_token = csrf(&html);
    let (status, _, _) = send(&desk, &form, &desk_token, &[("lenh", "luu-nhap"), ("form.ho_ten", "x")], &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    s.stop().await.unwrap();
}

/// A draft left alone: three days before it goes its owner is told once, with the procedure and
/// the last day; after thirty days without a save it is deleted. The hourly job runs at start
/// when due (made due here by forgetting its last run).
#[tokio::test]
async fn an_old_draft_is_announced_then_deleted() {
    use tinhso_testkit::{Backend, TestServer};
    let s = crate::server(Backend::Sqlite).await;
    let form = format!("{}/thu-tuc/{CODE}/nop", s.url);
    let citizen = page_login(&s, "0912345678").await;
    let (_, html) = get(&citizen, form.clone()).await;
    let (status, ..) =
        send(&citizen, &form, &csrf(&html), &[("lenh", "luu-nhap"), ("form.noi_dung", "Xin bản sao")], &[]).await;
    assert_eq!(status, StatusCode::OK);
    let data = s.data.clone();
    let run_again = |days: i64| {
        let data = data.clone();
        async move {
            let s = TestServer::start_on(Backend::Sqlite, crate::bin(), data.clone(), None, &[]).await.unwrap();
            let then = (chrono::Utc::now() - chrono::Duration::days(days))
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
            s.exec_sql(&format!("UPDATE application_draft SET saved_at = '{then}'")).await.unwrap();
            s.exec_sql("DELETE FROM job_run WHERE job = 'dossier.drafts'").await.unwrap();
            s.stop().await.unwrap();
            let s = TestServer::start_on(Backend::Sqlite, crate::bin(), data, None, &[]).await.unwrap();
            assert!(crate::schedule::job_ran(&s, "dossier.drafts").await, "the sweep ran at start");
            s
        }
    };
    s.stop().await.unwrap();

    // Saved 28 days ago: still there, and its owner told once.
    let s = run_again(28).await;
    let citizen = page_login(&s, "0912345678").await;
    let (_, inbox) = get(&citizen, format!("{}/thong-bao", s.url)).await;
    assert_eq!(inbox.matches("Bản nháp hồ sơ sắp bị xóa").count(), 1, "{inbox}");
    assert!(inbox.contains("Cấp bản sao Trích lục hộ tịch"), "{inbox}");
    let (_, mine) = get(&citizen, format!("{}/ho-so", s.url)).await;
    assert!(mine.contains("Hồ sơ đang lưu nháp, chưa gửi"));
    s.stop().await.unwrap();

    // Saved 31 days ago: gone.
    let s = run_again(31).await;
    let citizen = page_login(&s, "0912345678").await;
    let (_, mine) = get(&citizen, format!("{}/ho-so", s.url)).await;
    assert!(!mine.contains("Hồ sơ đang lưu nháp"), "{mine}");
    let (_, inbox) = get(&citizen, format!("{}/thong-bao", s.url)).await;
    assert_eq!(inbox.matches("Bản nháp hồ sơ sắp bị xóa").count(), 1, "told once, not again");
    s.stop().await.unwrap();
}
