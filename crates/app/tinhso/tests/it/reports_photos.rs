//! Field reports' photos, part of the reports story: a phone photo's EXIF (place, camera,
//! orientation) read and then stripped, thumbnails, and what an anonymous sender may not do.

use crate::reports::{act, csrf, login, page, python, sent_id};
use reqwest::StatusCode;
use tinhso_testkit::TestServer;

/// A phone photo with its GPS, camera details and orientation in EXIF, made by Pillow.
pub(crate) fn phone_photo(dir: &std::path::Path) -> Vec<u8> {
    let path = dir.join("pho-to.jpg");
    python(&format!(
        r#"
from PIL import Image
# A real phone photo's size: noise does not compress, so this is about a megabyte.
img = Image.effect_noise((1000, 800), 90).convert("RGB")
exif = Image.Exif()
exif[0x010F] = "Hãng máy ảnh"
exif[0x0110] = "Điện thoại X"
exif[0x0131] = "Phần mềm"
# Held upright: stored sideways, shown turned 90 degrees clockwise.
exif[0x0112] = 6
exif[0x8825] = {{1: "N", 2: (21.0, 49.0, 25.0), 3: "E", 4: (105.0, 12.0, 50.4)}}
img.save({path:?}, "JPEG", exif=exif, comment=b"Nguyen Van A")
back = Image.open({path:?}).getexif().get_ifd(0x8825)
assert back[1] == "N" and float(back[4][2]) == 50.4, back
"#,
        path = path.display().to_string()
    ));
    std::fs::read(&path).unwrap()
}

/// Posts a multipart form as a browser does (the token in the address too, for the upload guard).
async fn post_multipart(
    s: &TestServer,
    c: &reqwest::Client,
    path: &str,
    token: &str,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
) -> reqwest::Response {
    let (ctype, body) = crate::journey::multipart(fields, files);
    c.post(format!("{}{path}?csrf={token}", s.url)).header("content-type", ctype).body(body).send().await.unwrap()
}

/// Photos: EXIF's location fills the report's, every metadata field is gone from the stored
/// photo, HEIC and damaged files are refused with the form's other problems, all at once.
pub(crate) async fn photos(s: &TestServer, citizen: &reqwest::Client, commune: &str) {
    let dir = tinhso_testkit::server::fresh_data_dir().unwrap();
    let photo = phone_photo(&dir);
    let form_page = |c: reqwest::Client| async move { page(&c, &format!("{}/phan-anh/gui", s.url)).await.1 };
    let html = form_page(citizen.clone()).await;
    assert!(html.contains("enctype=\"multipart/form-data\""));
    let token = csrf(&html);
    let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".to_vec();
    // Starts like a JPEG and ends before any picture (a browser would show it broken).
    let empty = b"\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0\xff\xd9".to_vec();
    let r = post_multipart(
        s,
        citizen,
        "/phan-anh/gui",
        &token,
        &[("csrf", &token), ("category", "cay-xanh"), ("description", "ngắn"), ("commune", commune)],
        &[("photo", "a.heic", &heic), ("photo", "trong.jpg", &empty), ("photo", "b.jpg", &photo)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Ảnh HEIC chưa dùng được")
            && html.contains("trong.jpg: Tệp ảnh bị hỏng, không đọc được.")
            && html.contains("ít nhất 10 ký tự"),
        "every problem at once"
    );
    assert!(html.contains("Đã nhận 1 ảnh"), "the good photo is kept, not asked again");
    let kept = html.split("name=\"photo_sha\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    // The page filled the location from the photo's EXIF: the browser sends it back.
    let value = |id: &str| {
        html.split(&format!("id=\"{id}\" name=\"{id}\" value=\"")).nth(1).unwrap().split('"').next().unwrap().to_owned()
    };
    let (lat, lon) = (value("lat"), value("lon"));
    assert_eq!((lat.as_str(), lon.as_str()), ("21.823611", "105.214000"));
    // The corrected form goes through with the photo received before; EXIF gave the place.
    let r = post_multipart(
        s,
        citizen,
        "/phan-anh/gui",
        &token,
        &[
            ("csrf", &token),
            ("category", "cay-xanh"),
            ("description", "Cây đổ chắn ngang đường sau bão"),
            ("commune", commune),
            ("lat", &lat),
            ("lon", &lon),
            ("photo_sha", &kept),
        ],
        &[],
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let id = sent_id(&r);
    let html = r.text().await.unwrap();
    assert!(html.contains("21.823611, 105.214"), "location from EXIF");
    let src = format!("/phan-anh/{id}/anh/{kept}");
    assert!(html.contains(&src));
    // Anyone may see the photo; nothing of its EXIF or comment is left, and it still opens.
    let stored = s.client().get(format!("{}{src}", s.url)).send().await.unwrap();
    assert_eq!(stored.headers()["content-type"], "image/jpeg");
    let bytes = stored.bytes().await.unwrap();
    assert!(!bytes.windows(6).any(|w| w == b"Nguyen") && !bytes.windows(4).any(|w| w == b"GPS\0"));
    let path = dir.join("stored.jpg");
    std::fs::write(&path, &bytes).unwrap();
    let out = python(&format!(
        "from PIL import Image, ImageOps\nim = Image.open({p:?})\nim.load()\nprint(im.size, dict(im.getexif()), 'comment' in im.info, ImageOps.exif_transpose(im).size)",
        p = path.display().to_string()
    ));
    // Only the orientation is left, so that viewers still show it upright.
    assert_eq!(out.trim(), "(1000, 800) {274: 6} False (800, 1000)");
    assert!(photo.len() > 400_000 && bytes.len() + 20_000 > photo.len(), "{} -> {}", photo.len(), bytes.len());
    // The page shows it small (a 3G line carries a few tens of KB, not the phone's original),
    // and links the original.
    assert!(html.contains(&format!("<img src=\"{src}/nho\"")) && html.contains(&format!("<a href=\"{src}\"")));
    let small = s.client().get(format!("{}{src}/nho", s.url)).send().await.unwrap();
    assert_eq!(small.status(), StatusCode::OK);
    assert_eq!(small.headers()["content-type"], "image/jpeg");
    assert_eq!(small.headers()["cache-control"], "private, max-age=86400");
    let small = small.bytes().await.unwrap();
    assert!(small.len() * 5 < bytes.len(), "{} of {}", small.len(), bytes.len());
    let path = dir.join("small.jpg");
    std::fs::write(&path, &small).unwrap();
    let out = python(&format!(
        "from PIL import Image\nim = Image.open({p:?})\nim.load()\nprint(im.format, im.size)",
        p = path.display().to_string()
    ));
    assert_eq!(out.trim(), "JPEG (384, 480)", "upright, as the photo's orientation says");
    // Open311 names the photo (media_url), as FixMyStreet does.
    let open311 = |c: reqwest::Client| async move {
        let r = c.get(format!("{}/open311/v2/requests/{id}.json", s.url)).send().await.unwrap();
        let v: serde_json::Value = r.json().await.unwrap();
        v[0]["media_url"].as_str().unwrap().to_owned()
    };
    assert_eq!(open311(s.client()).await, src);
    // Moderation hides a photo from the public (its handlers still see it), the reason kept
    // in the internal history.
    let leader = login(s, "lanhdao@tinhso.local").await;
    let (status, _) = act(s, &leader, id, &[("lenh", "hide"), ("anh", &kept), ("noi-dung", "Ảnh có biển số xe")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(s.client().get(format!("{}{src}", s.url)).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(leader.get(format!("{}{src}", s.url)).send().await.unwrap().status(), StatusCode::OK);
    assert_eq!(s.client().get(format!("{}{src}/nho", s.url)).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(open311(s.client()).await, "", "a hidden photo is not named");
    let small = leader.get(format!("{}{src}/nho", s.url)).send().await.unwrap();
    assert_eq!(
        (small.status(), &small.headers()["cache-control"]),
        (StatusCode::OK, &"private, no-store".parse().unwrap())
    );
    let (_, public) = page(&s.client(), &format!("{}/phan-anh/{id}", s.url)).await;
    assert!(!public.contains(&src) && !public.contains("biển số"));
    let (_, internal) = page(&leader, &format!("{}/phan-anh/{id}", s.url)).await;
    assert!(internal.contains("Ẩn một ảnh") && internal.contains("Ảnh có biển số xe"));
    // The agency shows the fix with a photo of it (multipart, the same cleaning).
    let token = csrf(&page(&leader, &format!("{}/phan-anh/{id}", s.url)).await.1);
    let r = post_multipart(
        s,
        &leader,
        &format!("/phan-anh/{id}/hanh-dong"),
        &token,
        &[("csrf", &token), ("lenh", "fix"), ("noi-dung", "Đã cưa và dọn cây đổ")],
        &[("photo", "sau-khi-don.jpg", &photo)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let (_, public) = page(&s.client(), &format!("{}/phan-anh/{id}", s.url)).await;
    assert!(public.contains("Ảnh kết quả xử lý") && public.contains("Đã cưa và dọn cây đổ"));
    assert!(public.contains(&format!("/phan-anh/{id}/anh/{kept}")), "the same photo, cleaned the same way: one file");
    // Anonymous multipart is refused before its body is read (a small photo here: with a large
    // one the server's early answer races the client still sending it).
    let photo = b"\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0\xff\xd9".to_vec();
    let anon = s.client();
    let token = csrf(&page(&anon, &format!("{}/phan-anh/gui", s.url)).await.1);
    let r = post_multipart(s, &anon, "/phan-anh/gui", &token, &[("csrf", &token)], &[("photo", "b.jpg", &photo)]).await;
    assert!(r.url().path().starts_with("/dang-nhap"), "{}", r.url());
}
