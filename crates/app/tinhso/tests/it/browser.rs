//! A citizen in headless Chromium: searches without diacritics, opens a procedure, applies
//! from a procedure's page through logging in. Whole journeys at two screen sizes, with
//! axe-core on every page: `walks.rs`.

use crate::server;
use tinhso_testkit::webdriver::Browser;
use tinhso_testkit::Backend;

#[tokio::test]
async fn citizen_searches_and_opens_a_procedure() {
    let s = server(Backend::Sqlite).await;
    let b = match Browser::start().await {
        Ok(b) => b,
        Err(e) => panic!("{e:#}"),
    };
    b.goto(&format!("{}/", s.url)).await.unwrap();
    let q = b.find("#q").await.unwrap();
    b.type_into(&q, "giay phep xay dung").await.unwrap();
    b.click(&b.find("form.search button[type=submit]").await.unwrap()).await.unwrap();
    b.wait_for_url("/thu-tuc?q=giay+phep+xay+dung").await.unwrap();
    b.wait_for_text("#count", |t| t.contains("thủ tục")).await.unwrap();
    let first = b.find("ol.results li a.result-title").await.unwrap();
    let title = b.text(&first).await.unwrap();
    assert!(title.to_lowercase().contains("giấy phép xây dựng"), "first result: {title}");
    b.click(&first).await.unwrap();
    b.wait_for_url("/thu-tuc/").await.unwrap();
    b.wait_for_text("h1", |t| t == title).await.unwrap();
    let facts = b.text(&b.find("dl.facts").await.unwrap()).await.unwrap();
    assert!(facts.contains("Cơ quan có thẩm quyền") && facts.contains("Thời hạn giải quyết"));
    let shot = std::env::temp_dir().join("tinhso-procedure.png");
    b.screenshot(&shot).await.unwrap();
    assert!(std::fs::metadata(&shot).unwrap().len() > 10_000);
    b.quit().await.unwrap();
    s.stop().await.unwrap();
}

/// A citizen logs in, applies online for a procedure, and lands on the dossier's page.
#[tokio::test]
async fn citizen_applies_online() {
    let s = server(Backend::Sqlite).await;
    let b = Browser::start().await.unwrap_or_else(|e| panic!("{e:#}"));
    // Logged out, from the procedure's page: "Nộp hồ sơ" leads through logging in and straight
    // back to the form.
    b.goto(&format!("{}/thu-tuc/2.000635", s.url)).await.unwrap();
    b.click(&b.find("a.button[href$='/nop']").await.unwrap()).await.unwrap();
    b.wait_for_url("/dang-nhap").await.unwrap();
    b.wait_for_text("h1", |t| t.starts_with("Đăng nhập để nộp hồ sơ:")).await.unwrap();
    b.type_into(&b.find("#login").await.unwrap(), "0912345678").await.unwrap();
    b.type_into(&b.find("#password").await.unwrap(), "TuyenQuang-demo-2025").await.unwrap();
    b.click(&b.find("form.narrow button").await.unwrap()).await.unwrap();
    b.wait_for_url("/thu-tuc/2.000635/nop").await.unwrap();
    // What the account holds is already filled in: nobody types it again.
    for (id, known) in [
        ("#form\\.ho_ten", "Nguyễn Văn An"),
        ("#form\\.so_dinh_danh", "008090001234"),
        ("#form\\.so_dien_thoai", "0912345678"),
    ] {
        assert_eq!(b.value(&b.find(id).await.unwrap()).await.unwrap(), known, "{id} prefilled");
    }
    b.type_into(&b.find("#form\\.dia_chi").await.unwrap(), "Thôn Nà Lừa").await.unwrap();
    // The declaration is written from the form: nothing to upload for it.
    let declaration = b.text(&b.find("fieldset.component").await.unwrap()).await.unwrap();
    assert!(declaration.contains("không cần tải lên"), "{declaration}");
    // Attach the identity card as a PDF, as a person picks a file on their phone.
    let pdf = std::env::temp_dir().join(format!("can-cuoc-{}.pdf", std::process::id()));
    std::fs::write(&pdf, b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n").unwrap();
    b.type_into(&b.find("input[type=file][name='file.2']").await.unwrap(), &pdf.display().to_string()).await.unwrap();
    // Choose the second commune in the picker (the first option is the prompt).
    b.click(&b.find("#form\\.dia_chi\\.commune option:nth-child(3)").await.unwrap()).await.unwrap();
    b.click(&b.find("form.narrow button[type=submit]").await.unwrap()).await.unwrap();
    let url = b.wait_for_url("/ho-so/000.00.90.H08-").await.unwrap();
    let code = url.split('?').next().unwrap().rsplit('/').next().unwrap().to_owned();
    // A confirmation with the code in large type and what happens next, in plain words.
    b.wait_for_text("h1", |t| t == "Đã nộp hồ sơ thành công").await.unwrap();
    assert_eq!(b.text(&b.find(".big-code").await.unwrap()).await.unwrap(), code);
    let next = b.text(&b.find(".confirmation ol").await.unwrap()).await.unwrap();
    assert!(next.contains("ngày làm việc kể từ khi tiếp nhận"), "{next}");
    let facts = b.text(&b.find("dl.facts").await.unwrap()).await.unwrap();
    assert!(facts.contains("Đã gửi, chờ cán bộ tiếp nhận") && facts.contains("Sở Tư pháp"), "{facts}");
    assert!(!facts.contains("(mã 1)"), "no state codes for citizens: {facts}");
    let attached = b.wait_for_text("main", |t| t.contains("Tệp đính kèm")).await.unwrap();
    assert!(attached.contains(&pdf.file_name().unwrap().to_string_lossy().to_string()), "the uploaded file is listed");
    b.screenshot(&std::env::temp_dir().join("tinhso-applied.png")).await.unwrap();
    b.quit().await.unwrap();
    s.stop().await.unwrap();
}
