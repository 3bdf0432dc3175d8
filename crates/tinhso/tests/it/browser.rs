//! A citizen in headless Chromium: searches without diacritics, opens a procedure.

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
    assert!(b.url().await.unwrap().contains("/thu-tuc?q=giay+phep+xay+dung"));
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
